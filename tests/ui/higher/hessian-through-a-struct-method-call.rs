use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct Polar {
    r: f64,
    t: f64,
}

#[derive(Clone, Copy, Differentiable)]
struct Point {
    x: f64,
    y: f64,
}

impl Polar {
    #[differentiable]
    fn to_xy(&self, s: f64) -> Point {
        Point {
            x: s * self.r * self.t.cos(),
            y: self.r * self.t.sin(),
        }
    }
}

// a method returning a struct, without `hessian`, called in a function
// with `hessian`: its second derivative would be the method's hidden
// `__to_xy_vjp_jvp`, which only `hessian` (or `hvp`) writes
#[differentiable(hessian)]
fn f(r: f64, t: f64) -> f64 {
    let Point { x, y } = Polar { r, t }.to_xy(2.0);
    x * y
}

fn main() {
    let _ = f_hessian(1.0, 0.5);
}
