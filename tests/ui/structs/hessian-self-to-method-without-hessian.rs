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

    // passes `self` on whole to a method without `hessian`: one error
    #[differentiable(hessian)]
    fn energy(&self) -> f64 {
        self.square() * self.x
    }
}

fn main() {
    let s = State { x: 1.0 };
    let _ = s.energy_hessian();
}
