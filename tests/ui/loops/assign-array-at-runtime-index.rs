use macrograd::differentiable;

#[differentiable]
fn f(a: [f64; 3], k: usize) -> f64 {
    let mut b = a;
    b[k] = 1.0;
    b[0] + b[1] + b[2]
}

fn main() {}
