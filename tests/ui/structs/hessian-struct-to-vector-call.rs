use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct State {
    x: f64,
}

#[differentiable(hessian)]
fn pair(s: State) -> [f64; 2] {
    [s.x * s.x, s.x]
}

// passes `s` on whole to a function returning several floats
#[differentiable(hessian)]
fn energy(s: State) -> f64 {
    let [a, b] = pair(s);
    a * b
}

fn main() {}
