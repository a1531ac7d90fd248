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

#[differentiable]
fn energy(s: State) -> f64 {
    s.omega * s.omega
}

// a struct result bound to a name, passed on whole inside a branch
#[differentiable]
fn loss(s: State, #[nograd] h: f64) -> f64 {
    let p = step(s, h);
    if p.theta > 0.0 {
        energy(p)
    } else {
        p.omega
    }
}

fn main() {}
