use macrograd::differentiable;

#[differentiable]
fn f([a, b]: [f64; 2]) -> f64 {
    a * b
}

fn main() {}
