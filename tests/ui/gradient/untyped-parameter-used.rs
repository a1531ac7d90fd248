use macrograd::gradient;

fn main() {
    let f = gradient!(|x, y: f64| x * y);
    let (_v, (_dx, _dy)) = f(1.0, 2.0);
}
