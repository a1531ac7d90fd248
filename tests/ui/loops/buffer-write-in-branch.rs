use macrograd::differentiable;

#[differentiable]
fn f(w: f64, #[nograd] xs: &[f64]) -> f64 {
    let mut v = vec![0.0; xs.len()];
    for i in 0..xs.len() {
        if xs[i] > 0.0 {
            v[i] = w * xs[i];
        }
    }
    let mut s = 0.0;
    for i in 0..v.len() {
        s += v[i];
    }
    s
}

fn main() {}
