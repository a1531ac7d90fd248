use macrograd::differentiable;

#[differentiable]
fn f(w: f64, #[nograd] xs: &[f64]) -> f64 {
    xs.iter().map(|x| w * x).sum::<f32>() as f64
}

fn main() {}
