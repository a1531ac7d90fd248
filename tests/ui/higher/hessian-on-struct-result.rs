use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct Polar {
    x: f64,
    y: f64,
}

#[differentiable(hessian)]
fn polar(r: f64, t: f64) -> Polar {
    Polar {
        x: r * t.cos(),
        y: r * t.sin(),
    }
}

fn main() {}
