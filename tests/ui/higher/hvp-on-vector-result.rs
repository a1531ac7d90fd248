use macrograd::differentiable;

#[differentiable(hvp)]
fn pair(x: f64, y: f64) -> [f64; 2] {
    [x * y, x + y]
}

fn main() {}
