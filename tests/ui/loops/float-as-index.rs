use macrograd::differentiable;

#[differentiable]
fn f(w: f64, #[nograd] xs: &[f64]) -> f64 {
    xs[w] * w
}

fn main() {}
