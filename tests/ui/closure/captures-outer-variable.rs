use macrograd::grad;

fn main() {
    let scale = 2.0;
    let f = grad!(|x: f64| scale * x);
    let _ = f(1.0);
}
