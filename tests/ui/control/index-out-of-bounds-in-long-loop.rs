use macrograd::differentiable;

#[differentiable]
fn f(a: [f64; 3]) -> f64 {
    let mut s = 0.0;
    for i in 0..100_000 {
        s += a[i];
    }
    s
}

fn main() {}
