use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct Point {
    x: f64,
    y: f64,
}

// a struct result taking fields from `..s`: no `vjp_jvp` through them yet
#[differentiable(hessian)]
fn shift(s: Point, d: f64) -> Point {
    Point {
        x: s.x + d * d,
        ..s
    }
}

fn main() {}
