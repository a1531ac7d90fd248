//! The extended Rosenbrock function in n = 100 dimensions (an array
//! parameter and a `for` loop over `x[i]`, `x[i + 1]`), the gradient of
//! `#[differentiable]` against the closed form, in f64 and f32:
//!
//! f(x) = Σᵢ₌₀^{n−2} 100·(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²
//!
//! ∂f/∂xⱼ = −400·xⱼ·(xⱼ₊₁ − xⱼ²) − 2·(1 − xⱼ)   [j < n − 1]
//!        + 200·(xⱼ − xⱼ₋₁²)                    [j > 0]
//!
//! The same function over a slice of run-time length, whose gradient adds
//! into `d_x[i]` and `d_x[i + 1]` in each iteration (the second term is
//! carried to the next iteration in a register), is checked the same way
//! for every length from 1 (a loop that never runs) up, and a stencil over
//! an inclusive range `from..=to` whose loop may not run at all.

mod common;

use common::{assert_all_close, numeric_grad};
use macrograd::differentiable;

const N: usize = 100;

#[differentiable]
fn rosenbrock_slice(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

/// `Σ_{i=from}^{to} (x[i + 1] − x[i])³` over an inclusive range.
#[differentiable]
fn cubed_steps(x: &[f64], from: usize, to: usize) -> f64 {
    let mut s = 0.0;
    for i in from..=to {
        s += (x[i + 1] - x[i]).powi(3);
    }
    s
}

#[differentiable]
fn rosenbrock(x: [f64; 100]) -> f64 {
    let mut s = 0.0;
    for i in 0..99 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

#[differentiable]
fn rosenbrock_f32(x: [f32; 100]) -> f32 {
    let mut s = 0.0;
    for i in 0..99 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

fn closed_value(x: &[f64]) -> f64 {
    (0..x.len() - 1)
        .map(|i| 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2))
        .sum()
}

fn closed_gradient(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    (0..n)
        .map(|j| {
            let mut g = 0.0;
            if j < n - 1 {
                g += -400.0 * x[j] * (x[j + 1] - x[j] * x[j]) - 2.0 * (1.0 - x[j]);
            }
            if j > 0 {
                g += 200.0 * (x[j] - x[j - 1] * x[j - 1]);
            }
            g
        })
        .collect()
}

/// Deterministic, varied points: a standard start (−1.2, 1, −1.2, 1, …), a
/// smooth wave, and one near the minimum; all multiples of 1/64, so f32
/// and f64 see the same inputs.
fn points() -> Vec<[f64; N]> {
    let start: [f64; N] = std::array::from_fn(|i| if i % 2 == 0 { -1.2 } else { 1.0 });
    let start = start.map(|v| (v * 64.0_f64).round() / 64.0);
    let wave: [f64; N] = std::array::from_fn(|i| ((i as f64 * 0.37).sin() * 96.0).round() / 64.0);
    let near: [f64; N] = std::array::from_fn(|i| 1.0 + (((i % 7) as f64) - 3.0) / 64.0);
    vec![start, wave, near]
}

#[test]
fn gradient_matches_closed_form_f64() {
    for x in points() {
        let (value, grad) = rosenbrock_grad(x);
        assert_eq!(value, rosenbrock(x));
        assert_close!(value, closed_value(&x), 1e-13);
        assert_all_close(&grad, &closed_gradient(&x), 1e-12, "∇f");
    }
}

#[test]
fn gradient_matches_finite_differences_f64() {
    let x = points()[1];
    let (_, grad) = rosenbrock_grad(x);
    let fd = numeric_grad(|v| rosenbrock(v.try_into().expect("100 values")), &x);
    assert_all_close(&grad, &fd, 1e-7, "∇f vs finite differences");
}

#[test]
fn minimum_has_zero_gradient() {
    assert_eq!(rosenbrock_grad([1.0; N]), (0.0, [0.0; N]));
    assert_eq!(rosenbrock_f32_grad([1.0; N]), (0.0, [0.0; N]));
}

#[test]
fn gradient_matches_closed_form_f32() {
    for x in points() {
        let x32 = x.map(|v| v as f32);
        let (value, grad) = rosenbrock_f32_grad(x32);
        assert_eq!(value, rosenbrock_f32(x32));
        assert_close!(value, closed_value(&x), 1e-5);
        let grad: Vec<f64> = grad.iter().map(|&g| f64::from(g)).collect();
        assert_all_close(&grad, &closed_gradient(&x), 1e-5, "∇f in f32");
    }
}

#[test]
fn slice_gradient_matches_closed_form_at_every_length() {
    let wave: Vec<f64> = (0..40).map(|i| (i as f64 * 0.37).sin() * 1.5).collect();
    for n in 1..wave.len() {
        let x = &wave[..n];
        let (value, grad) = rosenbrock_slice_grad(x);
        assert_close!(value, closed_value(x), 1e-12);
        assert_all_close(&grad, &closed_gradient(x), 1e-12, "∇f over a slice");
        // the buffer form adds into what is there
        let mut d = vec![1.0; n];
        rosenbrock_slice_grad_into(x, &mut d);
        let shifted: Vec<f64> = closed_gradient(x).iter().map(|g| g + 1.0).collect();
        assert_all_close(&d, &shifted, 1e-12, "∇f added into ones");
    }
}

#[test]
fn inclusive_stencil_matches_differences_and_may_not_run() {
    let x: Vec<f64> = (0..8).map(|i| (i as f64 * 0.9).cos()).collect();
    for (from, to) in [(0, 6), (2, 4), (3, 3), (5, 4)] {
        let (value, grad) = cubed_steps_grad(&x, from, to);
        let expected: f64 = (from..=to).map(|i| (x[i + 1] - x[i]).powi(3)).sum();
        assert_close!(value, expected, 1e-14);
        let fd = numeric_grad(|v| cubed_steps(v, from, to), &x);
        assert_all_close(&grad, &fd, 1e-7, "stencil gradient vs finite differences");
        if from > to {
            assert!(
                grad.iter().all(|&g| g == 0.0),
                "a loop that never runs: {grad:?}"
            );
        }
    }
}
