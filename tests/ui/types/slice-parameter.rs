use macrograd::grad;

#[grad]
fn f(a: &[f64]) -> f64 {
    a[0]
}

fn main() {}
