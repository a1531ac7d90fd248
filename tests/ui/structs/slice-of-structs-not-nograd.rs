use macrograd::differentiable;

struct Sample {
    x: f64,
}

#[differentiable]
fn total(w: f64, data: &[Sample]) -> f64 {
    let mut s = 0.0;
    for p in data {
        s += w * p.x;
    }
    s
}

fn main() {}
