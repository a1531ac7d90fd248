use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct State {
    theta: f64,
    omega: f64,
}

// no float parameter: the float type of `State` is not visible
#[differentiable]
fn swap(s: State) -> State {
    State {
        theta: s.omega,
        omega: s.theta,
    }
}

fn main() {}
