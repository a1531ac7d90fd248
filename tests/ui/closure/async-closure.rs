use macrograd::grad;

fn main() {
    let _f = grad!(async |x: f64| x * x);
}
