use macrograd::differentiable;

// `pair` has no `hessian`: the derivative of `pair_vjp` needs `pair_vjp_jvp`
#[differentiable]
fn pair(x: f64, y: f64) -> [f64; 2] {
    [x * y, x + y]
}

#[differentiable]
fn f(x: f64, y: f64) -> f64 {
    let (_, g) = pair_vjp(x, y, [1.0, x]);
    g.0 * g.1
}

fn main() {
    let _ = f_grad(1.0, 2.0);
}
