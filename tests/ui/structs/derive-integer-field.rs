use macrograd::Differentiable;

#[derive(Clone, Copy, Differentiable)]
struct Config {
    rate: f64,
    steps: usize,
}

fn main() {}
