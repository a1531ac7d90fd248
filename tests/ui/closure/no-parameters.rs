use macrograd::grad;

fn main() {
    let _f = grad!(|| 1.0);
}
