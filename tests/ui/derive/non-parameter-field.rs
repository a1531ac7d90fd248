use macrograd::Params;

#[derive(Params)]
struct Model {
    w: [f64; 2],
    name: String,
}

fn main() {}
