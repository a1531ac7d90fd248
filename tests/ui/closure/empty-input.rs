use macrograd::grad;

fn main() {
    let _f = grad!();
}
