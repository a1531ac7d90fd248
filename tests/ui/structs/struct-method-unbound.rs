use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct State {
    x: f64,
    v: f64,
}

#[differentiable]
fn energy(s: State) -> f64 {
    s.x * s.x + s.v * s.v
}

impl State {
    #[differentiable]
    fn step(&self, #[nograd] h: f64) -> Self {
        State {
            x: self.x + h * self.v,
            v: self.v - h * self.x,
        }
    }

    // a method returning a struct, its result passed on without a pattern
    #[differentiable]
    fn next_energy(&self, #[nograd] h: f64) -> f64 {
        energy(self.step(h))
    }
}

fn main() {}
