//! Calling a `#[grad]` function imported by name with `use`. Valid Rust (the
//! original function compiles); should give ∂(x·sin 2)/∂x = sin 2.
//! Fails today: "cannot find function `pair_pullback` in this scope": the
//! call is rewritten to `pair_pullback`, which `use m::pair` does not
//! import.
mod m {
    use macrograd::grad;

    #[grad]
    pub fn pair(a: f64, b: f64) -> f64 {
        a * b.sin()
    }
}

mod user {
    use crate::m::pair;
    use macrograd::grad;

    #[grad]
    pub fn f(x: f64) -> f64 {
        pair(x, 2.0)
    }
}

fn main() {
    assert_eq!(user::f_grad(1.0), (2.0_f64.sin(), 2.0_f64.sin()));
}
