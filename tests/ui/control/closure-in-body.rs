use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let sq = |v: f64| v * v;
    x
}

fn main() {
    let _ = f_grad(1.0);
}
