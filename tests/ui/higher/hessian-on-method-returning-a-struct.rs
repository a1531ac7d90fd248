use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct Polar {
    x: f64,
    y: f64,
}

impl Polar {
    // a method returning a struct has no hidden `vjp_jvp` yet (a free
    // function returning one, or a method returning an array, has)
    #[differentiable(hessian)]
    fn turned(&self, t: f64) -> Polar {
        Polar {
            x: self.x * t.cos(),
            y: self.y * t.sin(),
        }
    }
}

fn main() {}
