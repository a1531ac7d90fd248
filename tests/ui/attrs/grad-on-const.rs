use macrograd::grad;

#[grad]
const SCALE: f64 = 2.0;

fn main() {}
