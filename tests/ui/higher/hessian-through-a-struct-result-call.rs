use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct Point {
    x: f64,
    y: f64,
}

// `to_xy` has no `hessian`: no `to_xy_vjp_jvp` for the caller's Hessian
#[differentiable]
fn to_xy(r: f64, t: f64) -> Point {
    Point {
        x: r * t.cos(),
        y: r * t.sin(),
    }
}

#[differentiable(hessian)]
fn f(a: f64, b: f64) -> f64 {
    let p = to_xy(a, b);
    p.x * p.y
}

fn main() {
    let _ = f_hessian(1.0, 2.0);
}
