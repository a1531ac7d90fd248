use macrograd::grad;

struct Model {
    w: f64,
}

#[grad]
impl Model {
    fn loss(&self, x: f64) -> f64 {
        self.w * x
    }
}

fn main() {}
