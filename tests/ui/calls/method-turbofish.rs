use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    x.max::<f64>(0.0)
}

fn main() {
    let _ = f_grad(1.0);
}
