use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let a = [x; 9_000_000_000_000_000_000];
    a[0]
}

fn main() {
    let _ = f_grad(1.0);
}
