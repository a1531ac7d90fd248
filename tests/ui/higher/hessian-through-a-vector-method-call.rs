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

// a method returning several floats, without `hessian`, called in a
// function with `hessian`: its second derivative would be the method's
// hidden `__pair_vjp_jvp`, which only `hessian` (or `hvp`) writes
#[differentiable(hessian)]
fn f(x: f64) -> f64 {
    let [a, b] = State { x }.pair();
    a * b
}

fn main() {
    let _ = f_hessian(1.0);
}
