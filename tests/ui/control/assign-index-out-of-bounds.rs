use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut a = [0.0; 2];
    a[2] = x;
    a[0]
}

fn main() {
    let _ = f_grad(1.0);
}
