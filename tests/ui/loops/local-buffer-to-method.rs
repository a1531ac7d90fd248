use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct Scale {
    k: f64,
}

impl Scale {
    #[differentiable]
    fn total(&self, xs: &[f64]) -> f64 {
        let mut s = 0.0;
        for &x in xs {
            s += self.k * x;
        }
        s
    }
}

// a local buffer goes to free functions only
#[differentiable]
fn loss(xs: &[f64], k: f64) -> f64 {
    let mut v = vec![0.0; xs.len()];
    for i in 0..xs.len() {
        v[i] = k * xs[i];
    }
    Scale { k }.total(&v)
}

fn main() {}
