use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct State {
    theta: f64,
    omega: f64,
}

#[differentiable]
fn step(s: State, #[nograd] h: f64) -> State {
    State {
        theta: s.theta + h * s.omega,
        omega: s.omega - h * s.theta.sin(),
    }
}

fn main() {}
