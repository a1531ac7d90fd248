use macrograd::grad;

grad! {
    struct Net {
        l1: Linear<2, 4>,
        l2: Linear<4, 1>,
    }
    fn forward(&self, x: [f64; 2]) -> [f64; 1] {
        self.l2(self.l1(x).erf())
    }
    fn loss(out: [f64; 1], #[nograd] y: f64) -> f64 {
        (out[0] - y).powi(2)
    }
}

fn main() {}
