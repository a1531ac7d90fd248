// PENDING: Valid Rust rejected: `fn f(mut x: f64)` then `x = x * x;` prints
// "cannot assign twice to `x`: declare it `let mut x`" (parameters are always registered immutable),
// plus rustc's "variable does not need to be mutable" on the stub. Should: compile.

use macrograd::grad;

#[grad]
fn f(mut x: f64) -> f64 {
    x = x * x;
    x
}

fn main() {
    let _ = f_grad(1.0);
}
