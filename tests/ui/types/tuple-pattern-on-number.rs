use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let (a, b) = x.sin();
    a + b
}

fn main() {}
