use macrograd::differentiable;

fn f_by_hand(x: f64) -> f64 {
    2.0 * x
}

#[differentiable(custom = f_by_hand)]
fn f(x: f64) -> f64 {
    x * x
}

fn main() {
    let _ = f_grad(1.0);
}
