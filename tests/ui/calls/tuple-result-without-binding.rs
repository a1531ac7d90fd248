use macrograd::differentiable;

#[differentiable]
fn polar(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

#[differentiable]
fn loss(r: f64, t: f64) -> f64 {
    let p = polar(r, t);
    p.0 * p.1
}

fn main() {}
