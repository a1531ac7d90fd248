use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct State {
    x: f64,
}

#[differentiable]
fn inner(w: f64, #[nograd] s: State) -> f64 {
    w * s.x
}

#[differentiable]
fn outer(s: State) -> f64 {
    inner(2.0, s)
}

fn main() {}
