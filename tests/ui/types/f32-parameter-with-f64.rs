use macrograd::differentiable;

#[differentiable]
fn f(x: f64, y: f32) -> f64 {
    x
}

fn main() {}
