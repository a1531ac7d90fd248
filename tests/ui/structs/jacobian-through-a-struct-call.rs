use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
struct State {
    theta: f64,
    omega: f64,
}

#[differentiable]
fn energy(s: State, k: f64) -> f64 {
    k * s.theta * s.theta + s.omega * s.omega
}

// passes `s` on whole: `_vjp` and `_jvp`, but no `_jacobian` yet
#[differentiable]
fn observe(s: State, k: f64) -> [f64; 2] {
    [energy(s, k), s.theta * k]
}

fn main() {
    let s = State { theta: 0.3, omega: -1.0 };
    let _ = observe_vjp(s, 2.0, [1.0, 0.0]);
    let _: ([f64; 2], [[f64; 3]; 2]) = observe_jacobian(s, 2.0);
}
