use macrograd::differentiable;

#[differentiable]
fn f(x: f64, y: f64) -> f64 {
    let t = (x * y, x + y);
    t * 2.0
}

fn main() {}
