// PENDING: Passing `[f64; 2]` to a `#[grad]` fn taking `f64`: E0308 on the original call (good), then
// E0308 and E0529 from generated code, both spanned on `#[grad]`. Should: one error.

use macrograd::grad;

#[grad]
fn square(v: f64) -> f64 {
    v * v
}

#[grad]
fn f(a: [f64; 2]) -> f64 {
    square(a)
}

fn main() {
    let _ = f_grad([1.0, 2.0]);
}
