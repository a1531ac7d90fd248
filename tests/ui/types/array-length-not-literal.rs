use macrograd::grad;

const N: usize = 3;

#[grad]
fn f(a: [f64; N]) -> f64 {
    a[0]
}

fn main() {}
