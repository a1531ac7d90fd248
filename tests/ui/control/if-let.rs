use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    if let 0.0 = x {
        1.0
    } else {
        x
    }
}

fn main() {
    let _ = f_grad(1.0);
}
