use macrograd::differentiable;

#[differentiable]
fn f(w: f64, #[nograd] xs: &[f64], #[nograd] ys: &[f64]) -> f64 {
    let mut s = 0.0;
    for (&x, &y) in xs.iter().rev().zip(ys) {
        s += w * x * y;
    }
    s
}

fn main() {}
