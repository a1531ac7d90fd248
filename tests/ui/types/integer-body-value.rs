use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    1
}

fn main() {
    let _ = f_grad(1.0);
}
