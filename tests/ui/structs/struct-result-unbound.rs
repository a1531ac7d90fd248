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

// a function returning a struct, called without a struct pattern
#[differentiable]
fn loss(s: State, #[nograd] h: f64) -> f64 {
    energy(step(s, h))
}

#[differentiable]
fn energy(s: State) -> f64 {
    s.omega * s.omega
}

fn main() {}
