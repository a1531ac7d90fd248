use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct State {
    x: f64,
    v: f64,
}

#[differentiable]
fn step(s: State) -> [f64; 2] {
    [s.x + s.v, s.v]
}

fn main() {}
