use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct State {
    theta: f64,
    omega: f64,
}

// a struct result that writes none of its fields
#[differentiable]
fn copy(s: State, #[nograd] h: f64) -> State {
    State { ..s }
}

fn main() {}
