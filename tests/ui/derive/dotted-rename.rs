use macrograd::Params;

#[derive(Params)]
struct Model {
    #[params(rename = "a.b")]
    w: [f64; 2],
}

fn main() {}
