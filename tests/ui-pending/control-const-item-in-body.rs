// PENDING: A module-level `const SCALE: f64` prints "cannot find `SCALE` in this function: ...",
// but SCALE exists and rustc finds it. Should: say the macro cannot see the value of items outside
// the function (pass it as a `#[nograd]` parameter), or treat an unknown path as a constant.

use macrograd::grad;

const SCALE: f64 = 2.0;

#[grad]
fn f(x: f64) -> f64 {
    x * SCALE
}

fn main() {
    let _ = f_grad(1.0);
}
