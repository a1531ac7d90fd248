use macrograd::differentiable;

#[differentiable]
fn f(w: f64, v: f64, n: usize) -> f64 {
    let mut s = 0.0;
    let mut k = 0;
    for _ in 0..n {
        s += w * v * (k as f64);
        k += 1;
    }
    s
}

fn main() {}
