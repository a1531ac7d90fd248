use macrograd::differentiable;

#[differentiable(hessian)]
fn pair(x: f64, y: f64) -> [f64; 2] {
    [x * y, x + y]
}

// a Hessian of a VJP would need third derivatives of `pair`
#[differentiable(hessian)]
fn f(x: f64, y: f64) -> f64 {
    let (_, g) = pair_vjp(x, y, [1.0, x]);
    g.0 * g.1
}

fn main() {
    let _ = f_hessian(1.0, 2.0);
}
