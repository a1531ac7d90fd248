use macrograd::differentiable;

// `[f64; 2]` is supported (a vector result with a Jacobian); an array of
// arrays is not
#[differentiable]
fn f(x: f64) -> [[f64; 2]; 2] {
    [[x, x], [x, x]]
}

fn main() {}
