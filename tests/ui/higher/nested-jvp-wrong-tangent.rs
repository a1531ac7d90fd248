use macrograd::differentiable;

#[differentiable(hessian)]
fn h(x: f64, y: f64) -> f64 {
    x * y
}

#[differentiable]
fn f(x: f64, y: f64) -> f64 {
    // two differentiable arguments: the tangent is a pair
    let (_, t) = h_jvp(x, y, 1.0);
    t * x
}

fn main() {
    let _ = f_grad(1.0, 2.0);
}
