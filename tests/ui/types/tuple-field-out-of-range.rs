use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let t = x.sin_cos();
    t.2
}

fn main() {}
