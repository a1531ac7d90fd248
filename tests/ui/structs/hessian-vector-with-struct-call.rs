use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct State {
    x: f64,
}

#[differentiable(hessian)]
fn square(s: State) -> f64 {
    s.x * s.x
}

// returns several floats and passes `s` on whole: no `name_vjp_jvp` yet
#[differentiable(hessian)]
fn both(s: State) -> [f64; 2] {
    [square(s), s.x]
}

fn main() {}
