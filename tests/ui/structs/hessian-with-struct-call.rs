use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct State {
    x: f64,
}

impl State {
    #[differentiable]
    fn square(&self) -> f64 {
        self.x * self.x
    }

    // passes `self` on to another method: no Hessian yet
    #[differentiable(hessian)]
    fn energy(&self) -> f64 {
        self.square() * self.x
    }
}

fn main() {}
