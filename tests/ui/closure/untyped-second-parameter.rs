use macrograd::grad;

fn main() {
    let _f = grad!(|x: f64, y| x * y);
}
