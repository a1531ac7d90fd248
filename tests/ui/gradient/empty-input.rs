use macrograd::gradient;

fn main() {
    let _f = gradient!();
}
