//! The first seed program: fit a line to noisy points by gradient descent,
//! micrograd-style.
//!
//! Twenty points lie near the line `y = 2·x − 1` (x uniform on [−2, 2],
//! Gaussian noise of standard deviation 0.1, seeded). Starting from
//! `w = b = 0`, 40 epochs of full-batch SGD (lr = 0.1) on the mean squared
//! error bring the loss down from about 6 to the noise level (about 0.006);
//! the loss is printed every 4 epochs, then the fitted line.
//!
//! `cargo run --example linear_regression`

#[path = "common/no_options.rs"]
mod no_options;

use macrograd::differentiable;
use macrograd::optim::{Optimizer, Sgd};
use macrograd::rng::{seeded, standard_normal, uniform};

/// The line the points come from: `y = TRUE_W·x + TRUE_B` (plus noise).
const TRUE_W: f64 = 2.0;
/// See [`TRUE_W`].
const TRUE_B: f64 = -1.0;

/// Squared error of the line `w·x + b` at the point `(x, y)`.
#[differentiable]
fn squared_error(w: f64, b: f64, #[nograd] x: f64, #[nograd] y: f64) -> f64 {
    let pred = w * x + b;
    (pred - y) * (pred - y)
}

/// `n` points near the true line, the same for the same `seed`.
fn points(n: usize, seed: u64) -> Vec<(f64, f64)> {
    let mut rng = seeded(seed);
    (0..n)
        .map(|_| {
            let x = uniform(&mut rng, -2.0, 2.0);
            (x, TRUE_W * x + TRUE_B + 0.1 * standard_normal(&mut rng))
        })
        .collect()
}

/// Fits `(w, b)` from zero by `epochs` full-batch SGD steps on the mean
/// squared error; `report(epoch, loss)` sees the loss before each step.
fn fit(
    data: &[(f64, f64)],
    epochs: usize,
    mut report: impl FnMut(usize, f64),
) -> Result<(f64, f64), macrograd::Error> {
    let mut line = (0.0_f64, 0.0_f64); // (w, b): a tuple is a parameter set
    let mut sgd = Sgd::with_lr(0.1);
    let n = data.len() as f64;
    for epoch in 0..epochs {
        // the mean over the points of each point's fresh gradient
        let (mut loss, mut grad) = (0.0, (0.0, 0.0));
        for &(x, y) in data {
            let (value, (dw, db)) = squared_error_grad(line.0, line.1, x, y);
            loss += value / n;
            grad.0 += dw / n;
            grad.1 += db / n;
        }
        report(epoch, loss);
        sgd.step(&mut line, &grad)?;
    }
    Ok(line)
}

/// `y = w·x + b` with the sign of `b` as an operator.
fn line(w: f64, b: f64) -> String {
    let sign = if b < 0.0 { '−' } else { '+' };
    format!("y = {w:.4}·x {sign} {:.4}", b.abs())
}

fn main() -> Result<(), macrograd::Error> {
    no_options::handle("usage: linear_regression\n\nFits y = w·x + b to 20 noisy points of y = 2·x − 1 by gradient descent.");
    let data = points(20, 42);
    let (w, b) = fit(&data, 40, |epoch, loss| {
        if epoch % 4 == 0 {
            println!("epoch {epoch:2}: loss = {loss:.6}");
        }
    })?;
    let mse = data
        .iter()
        .map(|&(x, y)| squared_error(w, b, x, y))
        .sum::<f64>()
        / data.len() as f64;
    println!("fitted line: {}  (loss {mse:.6})", line(w, b));
    println!("true line:   {}", line(TRUE_W, TRUE_B));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ordinary least squares in closed form, `w = cov(x, y) / var(x)` and
    /// `b = ȳ − w·x̄`: the optimum gradient descent should reach, computed
    /// without any gradient.
    fn least_squares(data: &[(f64, f64)]) -> (f64, f64) {
        let n = data.len() as f64;
        let mx = data.iter().map(|p| p.0).sum::<f64>() / n;
        let my = data.iter().map(|p| p.1).sum::<f64>() / n;
        let cov: f64 = data.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let var: f64 = data.iter().map(|p| (p.0 - mx).powi(2)).sum();
        let w = cov / var;
        (w, my - w * mx)
    }

    #[test]
    fn the_fitted_line_is_the_true_line_and_the_loss_falls() {
        let data = points(20, 42);
        let mut losses = Vec::new();
        let (w, b) = fit(&data, 40, |_, loss| losses.push(loss)).unwrap();
        let (ow, ob) = least_squares(&data);
        assert!(
            (w - ow).abs() < 1e-4 && (b - ob).abs() < 1e-4,
            "{w} {b} vs {ow} {ob}"
        );
        // 20 points with noise 0.1: the least-squares line is within a few
        // hundredths of the true one
        assert!(
            (w - TRUE_W).abs() < 0.1 && (b - TRUE_B).abs() < 0.1,
            "{w} {b}"
        );
        assert!(
            losses[0] > 1.0,
            "the start is far from the optimum: {}",
            losses[0]
        );
        assert!(losses.windows(2).all(|p| p[1] < p[0]), "{losses:?}");
        assert!(*losses.last().unwrap() < 0.02);
    }
}
