use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct State {
    x: f64,
}

impl State {
    #[differentiable]
    fn pair(&self) -> [f64; 2] {
        [self.x * self.x, self.x]
    }
}

// a method returning several floats in a function with `hessian`: not
// supported yet
#[differentiable(hessian)]
fn f(x: f64) -> f64 {
    let [a, b] = State { x }.pair();
    a * b
}

fn main() {
    let _ = f_hessian(1.0);
}
