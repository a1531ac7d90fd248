use macrograd::grad;

grad! {
    struct Net {
        l1: Linear<2, 4>,
        l2: Linear<4, 1>,
    }
    fn forward(&self, x: [f64; 2]) -> [f64; 1] {
        let h = erf(self.l1(x));
        self.l2(h)
    }
    fn loss(out: [f64; 1], #[nograd] y: f64) -> f64 {
        (out[0] - y).powi(2)
    }
}

fn main() {
    let net = Net::zeros();
    let mut grad = Net::zeros();
    let _: [f64; 1] = net.forward([1.0, 2.0]);
    let _: f64 = net.loss([1.0, 2.0], 0.5);
    let _: f64 = net.backward_add([1.0, 2.0], 0.5, &mut grad);
    let _: macrograd::Result<f64> = net.batch_backward(&[[1.0, 2.0]], &[0.5], &mut grad);
    let _: macrograd::Result<f64> = net.batch_loss(&[[1.0, 2.0]], &[0.5]);
}
