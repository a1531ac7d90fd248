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
fn split(s: State) -> [f64; 2] {
    [s.theta * s.omega, s.omega]
}

// a struct result bound to a name, passed on whole to a function
// returning several floats
#[differentiable]
fn loss(s: State, #[nograd] h: f64) -> f64 {
    let p = step(s, h);
    let [a, b] = split(State { omega: 1.0, ..p });
    a * b
}

fn main() {}
