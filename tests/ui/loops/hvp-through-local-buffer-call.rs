use macrograd::differentiable;

#[differentiable(hvp)]
fn squares(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        s += x * x;
    }
    s
}

// the helper's HVP along a local buffer's tangent is not called yet
#[differentiable(hvp)]
fn loss(xs: &[f64], k: f64) -> f64 {
    let mut v = vec![0.0; xs.len()];
    for i in 0..xs.len() {
        v[i] = k * xs[i];
    }
    squares(&v).sin()
}

fn main() {}
