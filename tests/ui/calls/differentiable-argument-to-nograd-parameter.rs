use macrograd::differentiable;

#[differentiable]
fn spring(x: f64, #[nograd] k: f64) -> f64 {
    0.5 * k * x * x
}

#[differentiable]
fn caller(x: f64, y: f64) -> f64 {
    spring(x, y)
}

fn main() {}
