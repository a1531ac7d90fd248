use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    x.sin_cos()
}

fn main() {}
