use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut y = x;
    for _ in 0..=9_223_372_036_854_775_807 {
        y *= x;
    }
    y
}

fn main() {
    let _ = f_grad(1.0);
}
