// PENDING: A typo `sqaure(x)` prints only "cannot find function `sqaure_pullback`":
// the user sees a name they never wrote and loses rustc's did-you-mean.
// Should: rustc's "cannot find function `sqaure`" (or the no-derivative message).

use macrograd::grad;

#[grad]
fn f(x: f64) -> f64 {
    sqaure(x)
}

fn main() {
    let _ = f_grad(1.0);
}
