use macrograd::differentiable;

#[differentiable]
fn norm2(v: [f64; 3]) -> f64 {
    v[0] * v[0] + v[1] * v[1] + v[2] * v[2]
}

#[differentiable]
fn f(a: [f64; 2]) -> f64 {
    norm2(a)
}

fn main() {
    let _ = f_grad([1.0, 2.0]);
}
