use macrograd::gradient;

fn main() {
    let _f = gradient!(|| 1.0);
}
