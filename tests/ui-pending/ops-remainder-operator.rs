// PENDING: The message suggests `a - b * (a / b).floor()`, which the macro then rejects
// (`floor` has no rule, see ops-remainder-suggestion-rejected), and says `%` has no derivative
// (it has one a.e.: 1 and -trunc(a/b)). Should: support `%`, or suggest something that compiles.

use macrograd::grad;

#[grad]
fn f(x: f64, y: f64) -> f64 {
    x % y
}

fn main() {
    let _ = f_grad(1.0, 2.0);
}
