use macrograd::differentiable;

// not `#[differentiable]`
fn square(v: f64) -> f64 {
    v * v
}

#[differentiable(hessian)]
fn f(x: f64, y: f64) -> f64 {
    square(x) * y
}

fn main() {
    let _ = f_hessian(1.0, 2.0);
}
