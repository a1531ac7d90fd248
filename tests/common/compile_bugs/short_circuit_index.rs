//! `&&` whose left side is false at compile time (`i > 0` for i = 0) guards
//! an index that would be out of bounds (`x[i - 1]`). Valid Rust (the right
//! side is never evaluated); should compile: f = x[1] at [1, 2], gradient
//! [0, 1].
//! Fails today: "index -1 is out of bounds for an array of length 2": both
//! sides of `&&` are lowered even when the left one is a constant.
use macrograd::grad;

#[grad]
fn f(x: [f64; 2]) -> f64 {
    let mut s = 0.0;
    for i in 0..2 {
        if i > 0 && x[i - 1] > 0.0 {
            s += x[i];
        }
    }
    s
}

fn main() {
    assert_eq!(f_grad([1.0, 2.0]), (2.0, [0.0, 1.0]));
}
