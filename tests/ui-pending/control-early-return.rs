// PENDING: `if x < 0.0 { return 0.0; }` prints "this `if` has a value but no `else`" on `if`:
// a `return` that ends a nested block is read as that block's value.
// Should: "early `return` is not supported: ..." at `return` (the message exists).

use macrograd::grad;

#[grad]
fn f(x: f64) -> f64 {
    if x < 0.0 {
        return 0.0;
    }
    x * x
}

fn main() {
    let _ = f_grad(1.0);
}
