use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut k = 1;
    if x > 0.0 {
        k = -1;
    }
    x * (k as f64)
}

fn main() {}
