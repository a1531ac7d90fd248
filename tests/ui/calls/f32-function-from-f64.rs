use macrograd::differentiable;

#[differentiable]
fn sq(v: f32) -> f32 {
    v * v
}

#[differentiable]
fn f(x: f64) -> f64 {
    sq(x)
}

fn main() {
    let _ = f_grad(1.0);
}
