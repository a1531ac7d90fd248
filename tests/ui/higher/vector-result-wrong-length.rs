use macrograd::differentiable;

#[differentiable]
fn polar(r: f64, t: f64) -> [f64; 3] {
    [r * t.cos(), r * t.sin()]
}

fn main() {
    let _ = polar_jacobian(1.0, 0.5);
}
