//! The first seed program: fit `y = w·x + b` to one point by gradient descent.
//!
//! w = b = 0, x = 1, y = 0, squared error, SGD with lr = 0.1 for 100 epochs;
//! the loss is printed every 10 epochs and falls towards 0.
use macrograd::differentiable;
use macrograd::optim::{Optimizer, Sgd};

/// Squared error of the line at `(x, y)`.
#[differentiable]
fn loss(w: f64, b: f64, #[nograd] x: f64, #[nograd] y: f64) -> f64 {
    let pred = w * x + b;
    (pred - y) * (pred - y)
}

fn main() -> Result<(), macrograd::Error> {
    let (x, y) = (1.0, 0.0);
    let mut params = (0.0_f64, 0.0_f64); // (w, b)
    let mut sgd = Sgd::with_lr(0.1);
    for epoch in 0..100 {
        let (w, b) = params;
        // the gradient comes back fresh each step: nothing to zero
        let (value, grad) = loss_grad(w, b, x, y);
        if epoch % 10 == 0 {
            println!("epoch {epoch:3}: loss = {value:.6}");
        }
        sgd.step(&mut params, &grad)?;
    }
    let (w, b) = params;
    println!("w = {w:.6}, b = {b:.6}, loss = {:.3e}", loss(w, b, x, y));
    Ok(())
}
