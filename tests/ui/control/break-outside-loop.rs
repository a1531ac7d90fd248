use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    if x > 1.0 {
        break;
    }
    x
}

fn main() {}
