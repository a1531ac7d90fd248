// PENDING: "the body's value is an integer ...; write e.g. `2.0`" spans the closing `}`.
// Should: point at `1` and say "write `1.0`".

use macrograd::grad;

#[grad]
fn f(x: f64) -> f64 {
    1
}

fn main() {
    let _ = f_grad(1.0);
}
