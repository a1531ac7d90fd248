use macrograd::differentiable;

struct Model;

impl Model {
    const SCALE: f64 = 2.0;

    #[differentiable]
    fn scaled(x: f64) -> f64 {
        Self::SCALE * x
    }
}

fn main() {}
