// PENDING: Calling an f32 `#[grad]` fn from an f64 one: 4 errors, two spanned on `#[grad]`, one with
// help `#[grad].into()`. Should: one error (ideally "`sq` computes in `f32`, this function in `f64`").

use macrograd::grad;

#[grad]
fn sq(v: f32) -> f32 {
    v * v
}

#[grad]
fn f(x: f64) -> f64 {
    sq(x)
}

fn main() {
    let _ = f_grad(1.0);
}
