// PENDING: `fn f(x: f64, y: f64) -> f32` prints two errors, one per `f64` parameter,
// none on `f32`. Should: one error, on the return type `f32`.

use macrograd::grad;

#[grad]
fn f(x: f64, y: f64) -> f32 {
    x
}

fn main() {}
