use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let (s, c, t) = x.sin_cos();
    s + c + t
}

fn main() {}
