// PENDING: The macro's error is right, but `#[nograd]` is left on the emitted item, so rustc adds
// "cannot find attribute `nograd` in this scope" with help "use `#[grad]`" and an excerpt of macros/src/lib.rs.
// Should: the macro's error only (strip the attribute after reporting it).

use macrograd::grad;

#[grad]
#[nograd]
fn f(x: f64) -> f64 {
    x * x
}

fn main() {
    let _ = f_grad(1.0);
}
