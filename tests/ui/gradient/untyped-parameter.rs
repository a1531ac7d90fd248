use macrograd::gradient;

fn main() {
    let _f = gradient!(|x, y: f64| x * y);
}
