use macrograd::Differentiable;

#[derive(Clone, Copy, Differentiable)]
enum Shape {
    Circle(f64),
    Square(f64),
}

fn main() {}
