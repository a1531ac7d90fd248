// PENDING: "this body has no value ..." spans the function's closing `}`.
// Should: point at the `;` after `x * x` (rustc: "remove this semicolon").

use macrograd::grad;

#[grad]
fn f(x: f64) -> f64 {
    x * x;
}

fn main() {
    let _ = f_grad(1.0);
}
