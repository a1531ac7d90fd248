use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct State {
    x: f64,
}

impl State {
    #[differentiable(hessian)]
    fn energy(&self) -> f64 {
        self.x * self.x
    }
}

fn main() {}
