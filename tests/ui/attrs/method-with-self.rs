use macrograd::differentiable;

struct Model {
    w: f64,
}

impl Model {
    #[differentiable]
    fn loss(&self, x: f64) -> f64 {
        x * x
    }
}

fn main() {
    let _ = Model::loss_grad(1.0);
}
