use macrograd::differentiable;

#[differentiable]
fn f(x: f64, flag: bool) -> f64 {
    x
}

fn main() {}
