// PENDING: `#[nograd] n: usize` prints "cannot differentiate with respect to an integer (`usize`)",
// but the user asked for no gradient. Should: say integer parameters are unsupported even `#[nograd]`
// (or support them: counts and indices are natural inputs).

use macrograd::grad;

#[grad]
fn f(x: [f64; 4], #[nograd] n: usize) -> f64 {
    x[0] * n as f64
}

fn main() {}
