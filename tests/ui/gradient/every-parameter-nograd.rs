use macrograd::gradient;

fn main() {
    let f = gradient!(|#[nograd] x: f64| x * x);
    let _ = f(1.0);
}
