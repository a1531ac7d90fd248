use macrograd::differentiable;

// const generics are not supported: the length is written as a literal
#[differentiable]
fn sum_sq<const N: usize>(x: [f64; N]) -> f64 {
    let mut s = 0.0;
    for i in 0..N {
        s += x[i] * x[i];
    }
    s
}

fn main() {}
