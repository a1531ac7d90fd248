use macrograd::differentiable;

#[differentiable(hessian)]
fn first_two(xs: &[f64]) -> [f64; 2] {
    [xs[0] * xs[1], xs[1].sin()]
}

fn main() {}
