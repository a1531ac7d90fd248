use macrograd::differentiable;

#[differentiable(hessian)]
fn f(x: f64, y: f64, #[nograd] n: usize) -> f64 {
    let mut b = vec![0.0; n];
    for i in 0..n {
        b[i] = (x * y).sin();
    }
    b[0] * x
}

fn main() {
    let _ = f_hessian(1.0, 2.0, 3);
}
