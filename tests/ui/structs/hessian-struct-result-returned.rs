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
        omega: s.omega - h * s.theta.sin(),
    }
}

// a struct result bound to a name, returned whole, under `hessian`
#[differentiable(hessian)]
fn twice(s: State, #[nograd] h: f64) -> State {
    let p: State = step(s, h);
    p
}

fn main() {}
