use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct State {
    theta: f64,
    omega: f64,
}

// a struct result takes no fields from `..base` yet
#[differentiable]
fn step(s: State, #[nograd] h: f64) -> State {
    State {
        theta: s.theta + h * s.omega,
        ..s
    }
}

fn main() {}
