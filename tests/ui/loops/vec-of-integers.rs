use macrograd::differentiable;

#[differentiable]
fn f(x: &[f64]) -> f64 {
    let mut rest = vec![0usize; x.len()];
    rest[0] = 1;
    x[0]
}

fn main() {}
