use macrograd::differentiable;

#[differentiable]
fn product(a: f64, b: f64) -> f64 {
    a * b
}

#[differentiable]
fn f(x: f64) -> f64 {
    product(x, 2)
}

fn main() {
    let _ = f_grad(1.0);
}
