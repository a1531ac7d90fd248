use macrograd::grad;

grad! {
    struct Net {
        c1: Conv2d<3, 8>,
    }
    fn forward(&self, x: [f64; 3]) -> [f64; 8] {
        self.c1(x)
    }
    fn loss(out: [f64; 8], #[nograd] y: f64) -> f64 {
        out[0] - y
    }
}

fn main() {}
