use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut y = x;
    while true {
        y *= 2.0;
    }
    y
}

fn main() {
    let _ = f_grad(1.0);
}
