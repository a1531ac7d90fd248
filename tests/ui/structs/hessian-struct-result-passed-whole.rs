use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct State {
    theta: f64,
    omega: f64,
}

#[differentiable(hessian)]
fn step(theta: f64, omega: f64, #[nograd] h: f64) -> State {
    State {
        theta: theta + h * omega,
        omega: omega - h * theta,
    }
}

#[differentiable(hessian)]
fn energy(s: State) -> f64 {
    s.omega * s.omega + s.theta * s.theta
}

// a struct result bound to a name, passed on whole, under `hessian`
#[differentiable(hessian)]
fn loss(theta: f64, omega: f64, #[nograd] h: f64) -> f64 {
    let p: State = step(theta, omega, h);
    energy(p) + p.theta
}

fn main() {}
