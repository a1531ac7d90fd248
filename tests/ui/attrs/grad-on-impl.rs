use macrograd::differentiable;

struct Model {
    w: f64,
}

#[differentiable]
impl Model {
    fn loss(&self, x: f64) -> f64 {
        self.w * x
    }
}

fn main() {}
