use macrograd::gradient;

fn main() {
    let _f = gradient!(|x: f64| -> f32 { x * x });
}
