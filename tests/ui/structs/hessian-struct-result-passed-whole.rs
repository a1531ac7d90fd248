use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct State {
    theta: f64,
    omega: f64,
}

#[differentiable(hessian)]
fn step(s: State, #[nograd] h: f64) -> State {
    State {
        theta: s.theta + h * s.omega,
        omega: s.omega - h * s.theta,
    }
}

#[differentiable(hessian)]
fn energy(s: State) -> f64 {
    s.omega * s.omega + s.theta * s.theta
}

// a struct result bound to a name, passed on whole, under `hessian`
#[differentiable(hessian)]
fn loss(s: State, #[nograd] h: f64) -> f64 {
    let p = step(s, h);
    energy(p) + p.theta
}

fn main() {}
