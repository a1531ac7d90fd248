use macrograd::Params;

#[derive(Params)]
struct Model {
    #[params(skip)]
    step: f64,
}

fn main() {}
