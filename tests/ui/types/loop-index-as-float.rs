use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut s = x;
    for i in 0..3 {
        s += i;
    }
    s
}

fn main() {
    let _ = f_grad(1.0);
}
