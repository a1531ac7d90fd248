use macrograd::grad;

fn main() {
    let f = grad!(|| 1.0);
    let _ = f();
}
