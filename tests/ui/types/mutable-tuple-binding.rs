use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut t = (x, x * x);
    t = (t.1, t.0);
    t.0
}

fn main() {}
