use macrograd::grad;

#[grad]
fn f(x: f64, y: f32) -> f64 {
    x
}

fn main() {}
