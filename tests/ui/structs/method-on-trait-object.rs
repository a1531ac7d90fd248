use macrograd::differentiable;

trait Shape {
    fn size(&self) -> f64;
}

impl dyn Shape {
    #[differentiable]
    fn area(&self) -> f64 {
        self.size() * self.size()
    }
}

fn main() {}
