use macrograd::grad;

fn main() {
    let data = vec![1.0, 2.0];
    let f = grad!(|x: f64| x * data[0]);
    let _ = f(1.0);
}
