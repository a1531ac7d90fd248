//! A `mut` parameter reassigned in the body. Valid Rust; should compile and
//! give f = x·y + y, ∂f/∂x = y, ∂f/∂y = x + 1.
//! Fails today: "cannot assign twice to `x`: declare it `let mut x`",
//! although `x` is declared `mut`.
use macrograd::grad;

#[grad]
fn f(mut x: f64, y: f64) -> f64 {
    x *= y;
    x + y
}

fn main() {
    assert_eq!(f_grad(2.0, 3.0), (9.0, (3.0, 3.0)));
}
