use macrograd::gradient;

fn main() {
    let f = gradient!(|| 1.0);
    let _ = f();
}
