// PENDING: `let [a, b] = ...` gives the right error, then two more: "cannot find `a`" and
// "cannot find `b`". Should: one error (bind names of a rejected pattern as poisoned).

use macrograd::grad;

#[grad]
fn f(x: f64) -> f64 {
    let [a, b] = [x, 2.0 * x];
    a * b
}

fn main() {
    let _ = f_grad(1.0);
}
