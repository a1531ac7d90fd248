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

    // a method with `hessian` calling a method without it: one error
    #[differentiable(hessian)]
    fn energy(&self, y: f64) -> f64 {
        State { x: y }.square() * y
    }
}

fn main() {
    let s = State { x: 1.0 };
    let _ = s.energy_hessian(1.0);
}
