use macrograd::gradient;

fn square(x: f64) -> f64 {
    x * x
}

fn main() {
    let _f = gradient!(square);
}
