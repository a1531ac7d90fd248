use macrograd::differentiable;

#[differentiable]
fn f(a: [f64; 3], #[nograd] k: f64) -> f64 {
    a[k]
}

fn main() {
    let _ = f_grad([1.0, 2.0, 3.0], 1.0);
}
