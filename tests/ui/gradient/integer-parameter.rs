use macrograd::gradient;

fn main() {
    let _f = gradient!(|x: f64, n: i32| x * x);
}
