use macrograd::Params;

#[derive(Params)]
struct Model {
    #[params(frozen)]
    w: [f64; 2],
}

fn main() {}
