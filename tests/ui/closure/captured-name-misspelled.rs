use macrograd::grad;

fn main() {
    let scale = 2.0;
    let f = grad!(|x: f64| scael * x);
    let _ = (f(1.0), scale);
}
