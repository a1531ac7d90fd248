// `#[grad]` was the attribute's name before `grad!` took it: rustc says
// `grad` is not an attribute; the attribute is `#[differentiable]`.
use macrograd::grad;

#[grad]
fn square(x: f64) -> f64 {
    x * x
}

fn main() {
    let _ = square(1.0);
}
