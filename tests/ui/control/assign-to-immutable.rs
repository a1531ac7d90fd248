use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let s = 0.0;
    s += x;
    s
}

fn main() {
    let _ = f_grad(1.0);
}
