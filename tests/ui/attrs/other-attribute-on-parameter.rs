use macrograd::differentiable;

#[differentiable]
fn f(x: f64, #[allow(unused)] y: f64) -> f64 {
    x
}

fn main() {
    let _ = f_grad(1.0, 2.0);
}
