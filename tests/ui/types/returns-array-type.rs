use macrograd::grad;

#[grad]
fn f(x: f64) -> [f64; 2] {
    [x, x]
}

fn main() {}
