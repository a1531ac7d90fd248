use macrograd::differentiable;

#[differentiable]
fn moments(xs: &[f64]) -> [f64; 2] {
    let mut s = 0.0;
    let mut q = 0.0;
    for &x in xs {
        s += x;
        q += x * x;
    }
    [s, q]
}

// a helper returning several floats over a slice has no second
// derivatives, so its callers cannot take `hvp` through it
#[differentiable(hvp)]
fn loss(xs: &[f64]) -> f64 {
    let [s, q] = moments(xs);
    s * q
}

fn main() {}
