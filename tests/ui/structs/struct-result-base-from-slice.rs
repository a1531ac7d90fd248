use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct State {
    theta: f64,
    omega: f64,
}

// `..base` of a struct result from a row of a slice of data
#[differentiable]
fn step(s: State, #[nograd] h: f64, #[nograd] data: &[State]) -> State {
    State {
        theta: s.theta * h,
        ..data[0]
    }
}

fn main() {}
