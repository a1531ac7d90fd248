use macrograd::differentiable;

#[differentiable(hessian)]
fn h(x: f64, y: f64) -> f64 {
    x * x * y
}

#[differentiable(hessian)]
fn f(x: f64, y: f64) -> f64 {
    let (_, g) = h_grad(x, y);
    g.0 * g.1
}

fn main() {
    let _ = f_hessian(1.0, 2.0);
}
