use macrograd::{differentiable, Differentiable};

// not `#[differentiable]`
fn square(v: f64) -> f64 {
    v * v
}

#[derive(Clone, Copy, Differentiable)]
struct Spring {
    k: f64,
}

impl Spring {
    #[differentiable]
    fn energy(&self, x: f64) -> f64 {
        0.5 * self.k * square(x)
    }
}

fn main() {
    let s = Spring { k: 2.0 };
    let _ = s.energy_grad(1.0);
}
