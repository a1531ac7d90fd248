// PENDING: Three errors for one mistake, the second with the nonsense help
// `product(#[grad], /* f64 */)(x)`, the third "expected a tuple with 2 elements, found one with 1".
// Should: one error.

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
