//! micrograd's demo network, `MLP(2, [16, 16, 1])` with ReLU and the hinge
//! loss, declared once for the tests and benches that train it in f64
//! (`#[path]`-included; the `moons` example has its own, in f32 and f64).

use macrograd::grad;

grad! {
    /// micrograd's `MLP(2, [16, 16, 1])`.
    pub struct Moons {
        l1: Linear<2, 16>,
        l2: Linear<16, 16>,
        l3: Linear<16, 1>,
    }
    fn forward(&self, x: [f64; 2]) -> [f64; 1] {
        let h = relu(self.l1(x));
        let h = relu(self.l2(h));
        self.l3(h)
    }
    fn loss(score: [f64; 1], #[nograd] y: f64) -> f64 {
        relu(1.0 - y * score[0])
    }
}
