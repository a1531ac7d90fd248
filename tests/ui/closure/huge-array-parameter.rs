use macrograd::grad;

fn main() {
    let _f = grad!(|x: [f64; 18446744073709551615]| x[0]);
}
