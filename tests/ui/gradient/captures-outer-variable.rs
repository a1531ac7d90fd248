use macrograd::gradient;

fn main() {
    let scale = 2.0;
    let f = gradient!(|x: f64| scale * x);
    let _ = f(1.0);
}
