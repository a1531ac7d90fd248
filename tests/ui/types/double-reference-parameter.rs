use macrograd::differentiable;

#[differentiable]
fn f(x: &&f64) -> f64 {
    **x
}

fn main() {}
