use macrograd::grad;

grad! {
    struct Net {
        l1: Linear<2, 18446744073709551615>,
        l2: Linear<18446744073709551615, 1>,
    }
    fn forward(&self, x: [f64; 2]) -> [f64; 1] {
        self.l2(self.l1(x))
    }
    fn loss(out: [f64; 1], #[nograd] y: f64) -> f64 {
        (out[0] - y).powi(2)
    }
}

fn main() {}
