use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct State {
    theta: f64,
    omega: f64,
}

#[differentiable]
fn step(theta: f64, omega: f64, #[nograd] h: f64) -> State {
    State {
        theta: theta + h * omega,
        omega: omega - h * theta,
    }
}

#[differentiable]
fn energy(s: State) -> f64 {
    s.omega * s.omega + s.theta * s.theta
}

// the result is passed on whole before its first field read: the macro,
// which cannot see `step`'s signature, took it for a float there
#[differentiable]
fn loss(theta: f64, omega: f64, #[nograd] h: f64) -> f64 {
    let p = step(theta, omega, h);
    energy(p) + p.theta
}

fn main() {}
