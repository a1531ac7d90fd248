use macrograd::differentiable;

#[differentiable]
fn f(w: f64, n: usize) -> f64 {
    let mut v = vec![0.0; n];
    v[w] = 1.0;
    v[0]
}

fn main() {}
