use macrograd::Differentiable;

#[derive(Clone, Copy)]
struct Offset {
    dx: f64,
    dy: f64,
}

#[derive(Clone, Copy, Differentiable)]
struct Shifted {
    offset: Offset,
    x: f64,
}

fn main() {}
