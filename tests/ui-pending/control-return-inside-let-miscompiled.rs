// PENDING: COMPILES and is wrong: f(-1.0) = 0 but f_grad(-1.0) = (1.0, 0.0), because
// `return 0.0;` inside the `if` is taken as the `if`'s value. Should: the early-`return` error.

use macrograd::grad;

#[grad]
fn f(x: f64) -> f64 {
    let y = if x < 0.0 { return 0.0; } else { x };
    y + 1.0
}

fn main() {
    let _ = f_grad(1.0);
}
