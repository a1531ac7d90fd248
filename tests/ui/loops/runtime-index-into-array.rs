use macrograd::differentiable;

#[differentiable]
fn f(a: [f64; 3], k: usize) -> f64 {
    a[k]
}

fn main() {}
