use macrograd::differentiable;

#[differentiable]
fn f(a: [f64; 3]) -> f64 {
    let mut s = 0.0;
    for i in 0..3 {
        s += a[i] * a[i + 1];
    }
    s
}

fn main() {
    let _ = f_grad([1.0, 2.0, 3.0]);
}
