use macrograd::grad;

struct Model {
    w: f64,
}

impl Model {
    #[grad]
    fn loss(&self, x: f64) -> f64 {
        x * x
    }
}

fn main() {
    let _ = Model::loss_grad(1.0);
}
