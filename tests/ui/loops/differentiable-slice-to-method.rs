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

// a slice goes to free functions only
#[differentiable]
fn loss(xs: &[f64], k: f64) -> f64 {
    Scale { k }.total(xs)
}

fn main() {}
