// PENDING: "custom attribute panicked" (capacity overflow: the range is collected before the
// node limit is checked), then "cannot find function `f_grad`". Should: the node-limit error.
// DO NOT try `0..1_000_000_000_000` without `ulimit -v`: rustc gets OOM-killed (23 GB resident).

use macrograd::grad;

#[grad]
fn f(x: f64) -> f64 {
    let mut y = x;
    for _ in 0..9_000_000_000_000_000_000 {
        y *= x;
    }
    y
}

fn main() {
    let _ = f_grad(1.0);
}
