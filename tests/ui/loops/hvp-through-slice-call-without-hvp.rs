use macrograd::differentiable;

// the helper has no `hvp`, so no hidden `hvp_into` for its callers
#[differentiable]
fn squares(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        s += x * x;
    }
    s
}

#[differentiable(hvp)]
fn loss(xs: &[f64]) -> f64 {
    squares(xs).sin()
}

fn main() {}
