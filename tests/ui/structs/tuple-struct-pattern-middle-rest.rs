use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct P(f64, f64, f64);

#[differentiable]
fn rot(p: P, #[nograd] h: f64) -> P {
    P(p.0 - h * p.1, p.1 + h * p.0, p.2)
}

// `..` before the last field: the macro cannot count the fields after it
#[differentiable]
fn loss(p: P, #[nograd] h: f64) -> f64 {
    let P(x, .., z) = rot(p, h);
    x * z
}

fn main() {}
