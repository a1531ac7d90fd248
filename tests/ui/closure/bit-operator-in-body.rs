use macrograd::grad;

fn main() {
    let f = grad!(|x: f64, y: f64| x & y);
    let (_v, (_dx, _dy)) = f(1.0, 2.0);
}
