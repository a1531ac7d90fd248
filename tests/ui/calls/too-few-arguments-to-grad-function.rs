use macrograd::grad;

#[grad]
fn product(a: f64, b: f64) -> f64 {
    a * b
}

#[grad]
fn f(x: f64) -> f64 {
    product(x)
}

fn main() {
    let _ = f_grad(1.0);
}
