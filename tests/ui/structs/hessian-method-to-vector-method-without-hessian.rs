use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct Arm {
    l: f64,
}

impl Arm {
    // no `hessian`: no hidden `__tip_vjp_jvp` for the caller's Hessian
    #[differentiable]
    fn tip(&self, q: f64) -> [f64; 2] {
        [self.l * q.cos(), self.l * q.sin()]
    }

    // a method with `hessian` calling it: the runtime's diagnostic, once
    #[differentiable(hessian)]
    fn swing(&self, q: f64) -> f64 {
        let [x, y] = Arm { l: 2.0 * self.l }.tip(q);
        x * y
    }
}

fn main() {}
