use macrograd::differentiable;

// a method on a struct without `#[derive(Differentiable)]`
struct Model {
    w: f64,
}

impl Model {
    #[differentiable]
    fn loss(&self, x: f64) -> f64 {
        self.w * x * x
    }
}

fn main() {}
