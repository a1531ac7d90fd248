use macrograd::grad;

fn main() {
    let _f = grad!(|x, y: f64| x * y);
}
