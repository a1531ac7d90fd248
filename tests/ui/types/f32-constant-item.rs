use macrograd::grad;

const SCALE: f32 = 2.0;

#[grad]
fn f(x: f64) -> f64 {
    x * SCALE
}

fn main() {}
