use macrograd::differentiable;

#[differentiable]
fn f(#[nograd] x: f64, #[nograd] y: f64) -> f64 {
    x * y
}

fn main() {
    let _ = f_grad(1.0, 2.0);
}
