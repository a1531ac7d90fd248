use macrograd::{differentiable, Differentiable};
#[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
pub struct State {
    pub theta: f64,
    pub omega: f64,
}
#[differentiable]
pub fn step(s: State, #[nograd] h: f64) -> State {
    State {
        theta: s.theta + h * s.omega,
        omega: s.omega - h * s.theta.sin(),
    }
}
// a struct variable carried through a loop, starting as a parameter
#[differentiable]
pub fn whole(s0: State, #[nograd] h: f64, steps: usize) -> f64 {
    let mut s = s0;
    for _ in 0..steps {
        let State { theta, omega } = step(s, h);
        s = State { theta, omega };
    }
    s.theta * s.theta + s.omega
}
fn main() {}
