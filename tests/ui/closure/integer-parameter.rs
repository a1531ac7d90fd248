use macrograd::grad;

fn main() {
    let _f = grad!(|x: f64, n: i32| x * x);
}
