use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    sqaure(x)
}

fn main() {
    let _ = f_grad(1.0);
}
