use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct Spring {
    k: f64,
}

impl Spring {
    // not `#[differentiable]`
    fn stiffness(&self) -> f64 {
        self.k * self.k
    }

    #[differentiable]
    fn energy(&self, x: f64) -> f64 {
        0.5 * self.stiffness() * x * x
    }
}

fn main() {
    let _ = Spring { k: 2.0 }.energy_grad(1.0);
}
