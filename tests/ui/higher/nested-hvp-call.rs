use macrograd::differentiable;

#[differentiable(hessian)]
fn h(x: f64, y: f64) -> f64 {
    x * y
}

#[differentiable]
fn f(x: f64, y: f64) -> f64 {
    let (_, _, hv) = h_hvp(x, y, (1.0, 0.0));
    hv.0 * x
}

fn main() {
    let _ = f_grad(1.0, 2.0);
}
