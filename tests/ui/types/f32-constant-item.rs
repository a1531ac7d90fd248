use macrograd::differentiable;

const SCALE: f32 = 2.0;

#[differentiable]
fn f(x: f64) -> f64 {
    x * SCALE
}

fn main() {}
