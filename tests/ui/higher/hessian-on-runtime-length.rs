use macrograd::differentiable;

#[differentiable(hessian)]
fn sum_sq(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for x in xs {
        s += x * x;
    }
    s
}

fn main() {
    let _ = sum_sq_grad(&[1.0, 2.0]);
}
