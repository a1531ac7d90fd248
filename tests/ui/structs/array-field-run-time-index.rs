use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct Weights {
    w: [f64; 3],
}

#[differentiable]
fn pick(p: Weights, #[nograd] i: usize) -> f64 {
    p.w[i] * 2.0
}

fn main() {}
