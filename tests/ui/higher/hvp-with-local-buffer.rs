use macrograd::differentiable;

#[differentiable(hvp)]
fn f(xs: &[f64]) -> f64 {
    let mut b = vec![0.0; xs.len()];
    for i in 0..xs.len() {
        b[i] = xs[i].sin();
    }
    b[0] * xs[0]
}

fn main() {
    let _ = f_hvp(&[1.0], &[1.0]);
}
