use macrograd::gradient;

fn main() {
    let _f = gradient!(async |x: f64| x * x);
}
