use macrograd::grad;

fn square(x: f64) -> f64 {
    x * x
}

fn main() {
    let _f = grad!(square);
}
