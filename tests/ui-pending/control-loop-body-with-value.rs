// PENDING: "a loop body has no value: end its last statement with `;`" spans the whole loop body
// (3 lines). Should: point at the tail expression `y * x`.

use macrograd::grad;

#[grad]
fn f(x: f64) -> f64 {
    let mut y = x;
    for _ in 0..3 {
        y * x
    }
    y
}

fn main() {
    let _ = f_grad(1.0);
}
