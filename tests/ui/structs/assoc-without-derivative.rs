use macrograd::differentiable;

struct Units;

impl Units {
    // not `#[differentiable]`
    fn scale(x: f64) -> f64 {
        1000.0 * x
    }
}

#[differentiable]
fn energy(x: f64) -> f64 {
    Units::scale(x) * x
}

fn main() {
    let _ = energy_grad(1.0);
}
