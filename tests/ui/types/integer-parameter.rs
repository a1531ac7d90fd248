use macrograd::differentiable;

#[differentiable]
fn f(x: f64, n: i32) -> f64 {
    x
}

fn main() {
    let _ = f_grad(1.0, 2);
}
