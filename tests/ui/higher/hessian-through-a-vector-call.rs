use macrograd::differentiable;

// `rotate` has no `hessian`: no `rotate_vjp_jvp` for the caller's Hessian
#[differentiable]
fn rotate(p: [f64; 2], a: f64) -> [f64; 2] {
    [p[0] * a.cos() - p[1] * a.sin(), p[0] * a.sin() + p[1] * a.cos()]
}

#[differentiable(hessian)]
fn f(x: f64, y: f64) -> f64 {
    let [u, v] = rotate([x, y], 0.5);
    u * v
}

fn main() {
    let _ = f_hessian(1.0, 2.0);
}
