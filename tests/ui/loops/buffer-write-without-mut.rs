use macrograd::differentiable;

#[differentiable]
fn f(w: f64, n: usize) -> f64 {
    let v = vec![0.0; n];
    v[0] = w;
    v[0]
}

fn main() {}
