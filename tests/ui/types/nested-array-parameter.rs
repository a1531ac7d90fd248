use macrograd::differentiable;

#[differentiable]
fn f(m: [[f64; 2]; 2]) -> f64 {
    m[0][0] * m[1][1]
}

fn main() {}
