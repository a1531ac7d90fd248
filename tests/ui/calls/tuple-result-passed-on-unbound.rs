use macrograd::differentiable;

#[differentiable]
fn polar(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

#[differentiable]
fn norm2(p: (f64, f64)) -> f64 {
    p.0 * p.0 + p.1 * p.1
}

#[differentiable]
fn loss(r: f64, t: f64) -> f64 {
    let p = polar(r, t);
    norm2(p)
}

fn main() {}
