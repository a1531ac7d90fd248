use macrograd::grad;

#[grad]
fn f(x: f64, #[nograd] flag: bool) -> f64 {
    x
}

fn main() {}
