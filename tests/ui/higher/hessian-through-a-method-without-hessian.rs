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
}

// a method without `hessian` called in a function with `hessian`
#[differentiable(hessian)]
fn f(x: f64) -> f64 {
    State { x }.square() * x
}

fn main() {
    let _ = f_hessian(1.0);
}
