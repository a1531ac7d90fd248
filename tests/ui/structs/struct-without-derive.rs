use macrograd::differentiable;

struct Point {
    x: f64,
    y: f64,
}

#[differentiable]
fn norm2(p: Point) -> f64 {
    p.x * p.x + p.y * p.y
}

fn main() {}
