//! The network: 784-128-10 with ReLU and softmax cross-entropy (also
//! timed by `benches/network.rs`, which includes this file).

use macrograd::grad;

grad! {
    /// A 784-128-10 perceptron for 28×28 images.
    pub struct Mlp {
        l1: Linear<784, 128>,
        l2: Linear<128, 10>,
    }
    fn forward(&self, x: [f32; 784]) -> [f32; 10] {
        let h = relu(self.l1(x));
        self.l2(h)
    }
    fn loss(logits: [f32; 10], #[nograd] label: usize) -> f32 {
        softmax_cross_entropy(logits, label)
    }
}
