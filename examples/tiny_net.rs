//! The second seed program: a 2-3-1 network with ReLU, trained by SGD
//! through one `#[differentiable]` function over its parameter arrays.
//!
//! Input [1, 0], target [1], mean squared error; the loss is printed every
//! 100 of 1000 epochs and the prediction at the end.
#[path = "common/no_options.rs"]
mod no_options;

use macrograd::differentiable;
use macrograd::ops::relu;
use macrograd::optim::{Optimizer, Sgd};

/// Parameters of the network: `w1` is 3 rows of 2 (row-major), as
/// PyTorch's `nn.Linear(2, 3).weight`.
type Net = ([f64; 6], [f64; 3], [f64; 3], f64);

/// The network's output for input `x`.
fn predict(net: &Net, x: [f64; 2]) -> f64 {
    let (w1, b1, w2, b2) = net;
    let mut out = *b2;
    for j in 0..3 {
        let h = relu(w1[2 * j] * x[0] + w1[2 * j + 1] * x[1] + b1[j]);
        out += w2[j] * h;
    }
    out
}

/// Mean squared error of the network on one sample (one output, so the mean
/// is the square).
#[differentiable]
fn loss(
    w1: [f64; 6],
    b1: [f64; 3],
    w2: [f64; 3],
    b2: f64,
    #[nograd] x: [f64; 2],
    #[nograd] target: f64,
) -> f64 {
    let mut out = b2;
    for j in 0..3 {
        let h = relu(w1[2 * j] * x[0] + w1[2 * j + 1] * x[1] + b1[j]);
        out += w2[j] * h;
    }
    (out - target).powi(2)
}

fn main() -> Result<(), macrograd::Error> {
    no_options::handle("usage: tiny_net\n\nTrains a 2-3-1 ReLU network on one sample with SGD through one #[differentiable] function.");
    // fixed, asymmetric start so every hidden unit learns something different
    let mut net: Net = (
        [0.5, -0.3, 0.2, 0.8, -0.6, 0.1],
        [0.1, -0.1, 0.05],
        [0.3, -0.2, 0.4],
        0.0,
    );
    println!("{} parameters", macrograd::params::count(&net));
    let (x, target) = ([1.0, 0.0], 1.0);
    let mut sgd = Sgd::with_lr(0.01);
    for epoch in 0..1000 {
        let (w1, b1, w2, b2) = net;
        let (value, grad) = loss_grad(w1, b1, w2, b2, x, target);
        if epoch % 100 == 0 {
            println!("epoch {epoch:4}: loss = {value:.3e}");
        }
        sgd.step(&mut net, &grad)?;
    }
    let (w1, b1, w2, b2) = net;
    println!("final loss = {:.3e}", loss(w1, b1, w2, b2, x, target));
    println!("prediction for [1, 0]: {:.6} (target 1)", predict(&net, x));
    Ok(())
}
