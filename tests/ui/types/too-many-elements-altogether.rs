use macrograd::differentiable;

#[differentiable]
fn f(x: [f64; 600_000], y: [f64; 600_000]) -> f64 {
    x[0] * y[0]
}

fn main() {}
