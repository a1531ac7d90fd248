//! `powi` in path form, `f64::powi(x, 3)`, like the other methods
//! (`f64::sin(x)` is accepted). Valid Rust; should give 3x² = 12 at x = 2.
//! Fails today: "no derivative known for `f64::powi`; supported methods:
//! … (or `powi`)": the path form looks only in the rules table, where
//! `powi` (an op of its own) is not.
use macrograd::grad;

#[grad]
fn cube(x: f64) -> f64 {
    f64::powi(x, 3)
}

fn main() {
    assert_eq!(cube_grad(2.0), (8.0, 12.0));
}
