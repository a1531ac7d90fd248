use macrograd::differentiable;

struct Model;

impl Model {
    #[differentiable]
    fn square(x: f64) -> f64 {
        x * x
    }
}

fn main() {}
