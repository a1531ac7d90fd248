use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut y = x;
    'outer: for _ in 0..3 {
        y *= x;
    }
    y
}

fn main() {
    let _ = f_grad(1.0);
}
