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

    // a method with a vector result, called in a differentiable body
    #[differentiable]
    fn reach(&self, q: f64) -> f64 {
        let [x, y] = self.tip(q);
        x * x + y * y
    }
}

fn main() {}
