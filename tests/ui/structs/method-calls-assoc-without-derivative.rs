use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct Spring {
    k: f64,
}

impl Spring {
    // not `#[differentiable]`
    fn scale(x: f64) -> f64 {
        1000.0 * x
    }

    #[differentiable]
    fn energy(&self, x: f64) -> f64 {
        0.5 * self.k * Self::scale(x) * x
    }
}

fn main() {
    let _ = Spring { k: 2.0 }.energy_grad(1.0);
}
