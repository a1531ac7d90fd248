use macrograd::differentiable;

#[differentiable]
fn total(#[nograd] xs: &[f64], w: f64) -> f64 {
    w * xs[0]
}

#[differentiable]
fn f(w: &[f64]) -> f64 {
    total(w, 2.0)
}

fn main() {}
