use macrograd::grad;

grad! {
    struct Net {
        l1: Linear<2, 1>,
    }
    fn forward(&self, x: [f64; 2]) -> [f64; 1] {
        self.l1(x)
    }
}

fn main() {}
