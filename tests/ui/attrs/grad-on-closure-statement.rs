use macrograd::grad;

fn main() {
    #[grad]
    let f = |x: f64| x * x;
}
