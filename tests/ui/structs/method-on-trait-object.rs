use macrograd::differentiable;

trait Shape {
    fn size(&self) -> f64;
}

impl dyn Shape {
    #[differentiable]
    fn area(&self, scale: f64) -> f64 {
        scale * scale
    }
}

fn main() {}
