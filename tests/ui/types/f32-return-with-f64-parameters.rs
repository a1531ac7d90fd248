use macrograd::differentiable;

#[differentiable]
fn f(x: f64, y: f64) -> f32 {
    x
}

fn main() {}
