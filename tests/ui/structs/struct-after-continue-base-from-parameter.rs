use macrograd::{differentiable, Differentiable};
#[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
pub struct State {
    pub theta: f64,
    pub omega: f64,
}
// a struct value bound after a `continue` whose `..base` is a parameter:
// its fields cannot be listed
#[differentiable]
pub fn skip(s: State, n: usize) -> f64 {
    let mut acc = 0.0;
    for i in 0..n {
        if i == 1 {
            continue;
        }
        let t = State {
            theta: 2.0 * s.theta,
            ..s
        };
        acc += t.theta * t.omega;
    }
    acc
}
fn main() {}
