use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let y;
    y = x * x;
    y
}

fn main() {
    let _ = f_grad(1.0);
}
