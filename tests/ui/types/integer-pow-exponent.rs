use macrograd::differentiable;

#[differentiable]
fn f(xs: &[f64], n: usize, k: usize) -> f64 {
    xs[0] * n.pow(k) as f64
}

fn main() {
    let _ = f_grad(&[1.0], 1, 2);
}
