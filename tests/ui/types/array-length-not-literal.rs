use macrograd::differentiable;

const N: usize = 3;

#[differentiable]
fn f(a: [f64; N]) -> f64 {
    a[0]
}

fn main() {}
