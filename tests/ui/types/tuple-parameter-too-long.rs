use macrograd::differentiable;

#[differentiable]
fn f(p: (f64, f64, f64, f64, f64, f64, f64, f64, f64)) -> f64 {
    p.0
}

fn main() {}
