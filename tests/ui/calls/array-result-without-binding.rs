use macrograd::differentiable;

#[differentiable]
fn project(cam: [f64; 3], x: f64) -> [f64; 2] {
    [cam[0] * x, cam[1] + cam[2] * x]
}

#[differentiable]
fn loss(cam: [f64; 3], x: f64) -> f64 {
    let p = project(cam, x);
    p[0] * p[1]
}

fn main() {}
