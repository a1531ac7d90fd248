use macrograd::differentiable;

#[differentiable(hvp)]
fn squares(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        s += x * x;
    }
    s
}

// the helper's HVP along a slice direction is not called yet
#[differentiable(hvp)]
fn loss(xs: &[f64]) -> f64 {
    squares(xs).sin()
}

fn main() {}
