// PENDING: Three errors for one mistake: E0061 on the original call (good), E0061 again from
// the generated pullback call with the label on `#[grad]`, and E0308 "expected a tuple with 1 element, found one with 2".
// Should: one error.

use macrograd::grad;

#[grad]
fn square(v: f64) -> f64 {
    v * v
}

#[grad]
fn f(x: f64, y: f64) -> f64 {
    square(x, y)
}

fn main() {
    let _ = f_grad(1.0, 2.0);
}
