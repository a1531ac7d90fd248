use macrograd::grad;

grad! {
    fn square(x: f64) -> f64 {
        x * x
    }
    const SCALE: f64 = 2.0;
}

fn main() {
    let _ = square_grad(1.0);
    let _ = SCALE;
}
