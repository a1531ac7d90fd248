use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let [a, b] = [x, 2.0 * x];
    a * b
}

fn main() {
    let _ = f_grad(1.0);
}
