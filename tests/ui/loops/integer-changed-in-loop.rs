use macrograd::differentiable;

#[differentiable]
fn f(w: f64, n: usize) -> f64 {
    let mut s = 0.0;
    let mut k = 0;
    for _ in 0..n {
        k = k + 1;
        s += w;
    }
    s
}

fn main() {}
