use macrograd::differentiable;

#[differentiable]
fn f(p: (f64, usize)) -> f64 {
    p.0
}

fn main() {}
