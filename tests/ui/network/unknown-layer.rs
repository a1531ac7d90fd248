use macrograd::grad;

grad! {
    struct Net {
        l1: Linear<2, 16>,
        l2: Linear<16, 1>,
    }
    fn forward(&self, x: [f64; 2]) -> [f64; 1] {
        let h = self.l1(x).tanh();
        self.l3(h)
    }
    fn loss(out: [f64; 1], #[nograd] y: f64) -> f64 {
        (out[0] - y).powi(2)
    }
}

fn main() {}
