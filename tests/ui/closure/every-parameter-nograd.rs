use macrograd::grad;

fn main() {
    let f = grad!(|#[nograd] x: f64| x * x);
    let _ = f(1.0);
}
