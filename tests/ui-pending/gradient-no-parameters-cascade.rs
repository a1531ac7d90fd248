// PENDING: After "`gradient!` needs at least one parameter", the use `f()` adds E0057
// "argument #1 of type `()` is missing" (fallback closure `|_: ()|`). Should: one error.

use macrograd::gradient;

fn main() {
    let f = gradient!(|| 1.0);
    let _ = f();
}
