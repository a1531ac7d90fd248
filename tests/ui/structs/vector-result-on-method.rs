use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct Arm {
    l1: f64,
    l2: f64,
}

impl Arm {
    #[differentiable]
    fn tip(&self, q: f64) -> [f64; 2] {
        [self.l1 * q.cos(), self.l2 * q.sin()]
    }
}

fn main() {}
