use macrograd::Differentiable;

#[derive(Clone, Differentiable)]
struct Labelled {
    x: f64,
    name: String,
}

fn main() {}
