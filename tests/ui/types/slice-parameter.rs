use macrograd::differentiable;

#[differentiable]
fn f(a: &[f64]) -> f64 {
    a[0]
}

fn main() {}
