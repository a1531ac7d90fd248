// PENDING: `f64::round(x)` prints only "no derivative known for `f64::round`": unlike the
// method form it says nothing of what is supported or how to add a derivative. Should: the method form's text.

use macrograd::grad;

#[grad]
fn f(x: f64) -> f64 {
    f64::round(x) + x
}

fn main() {
    let _ = f_grad(1.0);
}
