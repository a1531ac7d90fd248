// PENDING: `#[grad(custom)]` prints `expected `=`` spanned on the whole attribute (call site),
// with the 'originates in the attribute macro' note.
// Should: point at `custom` and say `write `custom = path_to_gradient_fn``.

use macrograd::grad;

#[grad(custom)]
fn f(x: f64) -> f64 {
    x * x
}

fn main() {
    let _ = f_grad(1.0);
}
