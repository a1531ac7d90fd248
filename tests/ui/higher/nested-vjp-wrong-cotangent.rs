use macrograd::differentiable;

#[differentiable(hessian)]
fn pair(x: f64, y: f64) -> [f64; 2] {
    [x * y, x + y]
}

// the cotangent has the result's shape, `[f64; 2]`, not a float
#[differentiable]
fn f(x: f64, y: f64) -> f64 {
    let (_, g) = pair_vjp(x, y, 1.0);
    g.0 * g.1
}

fn main() {
    let _ = f_grad(1.0, 2.0);
}
