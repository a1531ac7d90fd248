//! `#[grad]` on a function written by a `macro_rules!` whose parameter names
//! come from the macro's caller. Valid Rust; should compile and give
//! ∂(a·b)/∂a = b, ∂(a·b)/∂b = a.
//! Fails today: "cannot find value `a` in this scope" at `#[grad]` (the
//! generated body names parameters with `Span::call_site()`, whose hygiene
//! is the macro's, not the caller's).
use macrograd::grad;

macro_rules! product {
    ($name:ident($($p:ident),+)) => {
        #[grad]
        fn $name($($p: f64),+) -> f64 {
            1.0 $(* $p)+
        }
    };
}

product!(prod(a, b));

fn main() {
    assert_eq!(prod_grad(2.0, 3.0), (6.0, (3.0, 2.0)));
}
