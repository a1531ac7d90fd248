use macrograd::differentiable;

fn main() {
    #[differentiable]
    let f = |x: f64| x * x;
}
