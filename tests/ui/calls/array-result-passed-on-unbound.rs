use macrograd::differentiable;

#[differentiable]
fn project(cam: [f64; 3], x: f64) -> [f64; 2] {
    [cam[0] * x, cam[1] + cam[2] * x]
}

#[differentiable]
fn norm2(p: [f64; 2]) -> f64 {
    p[0] * p[0] + p[1] * p[1]
}

#[differentiable]
fn loss(cam: [f64; 3], x: f64) -> f64 {
    let p = project(cam, x);
    norm2(p)
}

fn main() {}
