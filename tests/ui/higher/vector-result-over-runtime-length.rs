use macrograd::differentiable;

#[differentiable]
fn first_two(xs: &[f64]) -> [f64; 2] {
    [xs[0] * xs[1], xs[1].sin()]
}

fn main() {
    let _ = first_two_jacobian(&[1.0, 2.0]);
}
