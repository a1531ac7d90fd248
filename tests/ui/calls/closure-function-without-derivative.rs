use macrograd::grad;

// not `#[differentiable]`
fn square(v: f64) -> f64 {
    v * v
}

fn main() {
    let f = grad!(|x: f64, y: f64| square(x) * y);
    let _ = f(1.0, 2.0);
}
