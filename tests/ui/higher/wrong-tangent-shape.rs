use macrograd::differentiable;

#[differentiable]
fn norm2(x: [f64; 3]) -> f64 {
    x[0] * x[0] + x[1] * x[1] + x[2] * x[2]
}

fn main() {
    // the tangent has the parameter's shape, `[f64; 3]`
    let _ = norm2_jvp([1.0, 2.0, 3.0], [1.0, 0.0]);
}
