// PENDING: Calling a plain `fn square` prints only
// `error[E0425]: cannot find function `square_pullback` in this scope`: a generated name, no fix.
// Should: "no derivative known for `square`; mark it `#[grad]` or give it one with `#[grad(custom = ...)]`" at `square`.

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
