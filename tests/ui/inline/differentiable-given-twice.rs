use macrograd::grad;

grad! {
    #[differentiable]
    #[differentiable]
    fn square(x: f64) -> f64 {
        x * x
    }
}

fn main() {
    let _ = square_grad(1.0);
}
