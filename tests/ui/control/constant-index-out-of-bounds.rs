use macrograd::differentiable;

#[differentiable]
fn f(a: [f64; 3]) -> f64 {
    a[0] + a[3]
}

fn main() {
    let _ = f_grad([1.0, 2.0, 3.0]);
}
