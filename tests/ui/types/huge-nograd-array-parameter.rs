use macrograd::differentiable;

#[differentiable]
fn f(x: f64, #[nograd] a: [f64; 1_000_000_000]) -> f64 {
    x * a[0]
}

fn main() {}
