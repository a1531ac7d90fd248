use macrograd::{differentiable, Differentiable};
#[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
pub struct State {
    pub theta: f64,
    pub omega: f64,
}
#[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
pub struct Pos {
    pub x: f64,
}
// a struct variable assigned a struct of another type
#[differentiable]
pub fn other(s0: State) -> f64 {
    let mut s = State {
        theta: s0.theta,
        omega: s0.omega,
    };
    s = Pos { x: s.theta };
    s.theta
}
fn main() {}
