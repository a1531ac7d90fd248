use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let y = if x < 0.0 { return 0.0; } else { x };
    y + 1.0
}

fn main() {
    let _ = f_grad(1.0);
}
