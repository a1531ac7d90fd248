use macrograd::differentiable;

#[differentiable]
fn f(x: [f64; 18446744073709551615]) -> f64 {
    x[0]
}

fn main() {}
