use macrograd::differentiable;

#[differentiable(hessian)]
fn f(x: f64, #[nograd] steps: usize) -> f64 {
    let mut y = x;
    for _ in 0..steps {
        y = y.sin() * x;
    }
    y
}

fn main() {
    let _ = f_hessian(1.0, 3);
}
