use macrograd::differentiable;

#[differentiable]
fn f(x: f64) {
    let _ = x * x;
}

fn main() {
    let _ = f_grad(1.0);
}
