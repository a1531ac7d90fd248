use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct Arm {
    l1: f64,
    l2: f64,
}

#[differentiable]
fn norm2(p: [f64; 2]) -> f64 {
    p[0] * p[0] + p[1] * p[1]
}

impl Arm {
    #[differentiable]
    fn tip(&self, q: f64) -> [f64; 2] {
        [self.l1 * q.cos(), self.l2 * q.sin()]
    }

    // a method with a vector result, its result passed on unbound
    #[differentiable]
    fn reach(&self, q: f64) -> f64 {
        norm2(self.tip(q))
    }
}

fn main() {}
