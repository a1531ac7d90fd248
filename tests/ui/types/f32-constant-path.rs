use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    x * std::f32::consts::PI
}

fn main() {
    let _ = f_grad(1.0);
}
