//! The README's first example: a loss, its gradient written at compile time,
//! and gradient descent on it.
#[path = "common/no_options.rs"]
mod no_options;

use macrograd::{differentiable, grad};

/// Squared error of a line `w·x + b` at one point.
#[differentiable]
fn loss(w: f64, b: f64, #[nograd] x: f64, #[nograd] y: f64) -> f64 {
    let pred = w * x + b;
    (pred - y).powi(2)
}

fn main() {
    no_options::handle("usage: quickstart\n\nThe README's first example: a gradient written at compile time, gradient descent on it, and grad! on a closure.");
    // `loss_grad` was written by `#[differentiable]`: the value, then (∂loss/∂w, ∂loss/∂b).
    let (value, (dw, db)) = loss_grad(0.5, 0.0, 2.0, 3.0);
    println!("loss = {value}, ∂loss/∂w = {dw}, ∂loss/∂b = {db}");

    let (mut w, mut b) = (0.0, 0.0);
    for _ in 0..50 {
        let (_, (dw, db)) = loss_grad(w, b, 2.0, 3.0);
        w -= 0.05 * dw;
        b -= 0.05 * db;
    }
    println!(
        "after 50 steps: w = {w:.4}, b = {b:.4}, loss = {:.2e}",
        loss(w, b, 2.0, 3.0)
    );

    // `grad!` does the same for a closure.
    let f = grad!(|x: f64, y: f64| x * y + (x / y).sin());
    let (v, (dx, dy)) = f(2.0, 3.0);
    println!("f(2, 3) = {v:.6}, ∂f/∂x = {dx:.6}, ∂f/∂y = {dy:.6}");
}
