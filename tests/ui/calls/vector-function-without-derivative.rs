use macrograd::differentiable;

// not `#[differentiable]`
fn project(p: [f64; 2], f: f64) -> [f64; 2] {
    [f * p[0], f * p[1]]
}

#[differentiable]
fn loss(p: [f64; 2], f: f64) -> f64 {
    let [u, v] = project(p, f);
    u * u + v * v
}

fn main() {
    let _ = loss_grad([1.0, 2.0], 3.0);
}
