use macrograd::grad;

fn square(v: f64) -> f64 {
    v * v
}

#[grad]
fn f(x: f64) -> f64 {
    square(x) + x
}

fn main() {
    let _ = f_grad(1.0);
}
