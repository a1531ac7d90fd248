use macrograd::differentiable;

#[differentiable(hvp)]
fn sum_sq(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..xs.len() {
        s += xs[i] * xs[i];
    }
    s
}

fn main() {
    // the direction is borrowed, like the parameter: `&v`
    let v = vec![1.0, 0.0];
    let _ = sum_sq_hvp(&[1.0, 2.0], v);
}
