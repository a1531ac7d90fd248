use macrograd::differentiable;

#[differentiable]
fn h(x: f64, y: f64) -> f64 {
    x * y
}

#[differentiable]
fn f(x: f64, y: f64) -> f64 {
    let (_, g) = h_grad(x, y);
    g.0 * g.0 + g.1 * g.1
}

fn main() {
    let _ = f_grad(1.0, 2.0);
}
