use macrograd::differentiable;

#[differentiable(hessian)]
fn polar(r: f64, t: f64) -> [f64; 2] {
    [r * t.cos(), r * t.sin()]
}

fn main() {
    let _ = polar_jacobian(1.0, 0.5);
}
