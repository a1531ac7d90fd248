use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct P(f64, f64);

// the value built in the body has two fields, the pattern names three
#[differentiable]
fn loss(a: f64, b: f64) -> f64 {
    let P(x, y, z) = P(a * b, b);
    x * y + z
}

fn main() {}
