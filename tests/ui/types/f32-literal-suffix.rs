use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    x * 2.0f32
}

fn main() {
    let _ = f_grad(1.0);
}
