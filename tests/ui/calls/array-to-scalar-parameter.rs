use macrograd::differentiable;

#[differentiable]
fn square(v: f64) -> f64 {
    v * v
}

#[differentiable]
fn f(a: [f64; 2]) -> f64 {
    square(a)
}

fn main() {
    let _ = f_grad([1.0, 2.0]);
}
