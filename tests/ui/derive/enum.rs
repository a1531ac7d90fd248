use macrograd::Params;

#[derive(Params)]
enum Model {
    A([f64; 2]),
}

fn main() {}
