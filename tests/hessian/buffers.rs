//! `hessian` and `hvp` through local buffers (`vec![…]`): the reverse
//! sweep undoes each write from the buffer's log, and the forward sweep
//! over it carries a tangent buffer whose log is undone in step.
//!
//! Expected values: central differences of the generated gradient (itself
//! checked against finite differences of the function in
//! tests/runtime_buffers.rs) and, where short, closed forms.

// the bodies index buffers in run-time loops on purpose: those are the forms tested
#![allow(clippy::needless_range_loop, clippy::manual_memcpy)]

use super::common::{assert_all_close, central_diff};
use super::{assert_symmetric, numeric_hessian};
use macrograd::differentiable;

/// Every element written once from the inputs (the loop touches its own
/// element only), then two of them read.
#[differentiable(hessian)]
fn filled(x: f64, y: f64, #[nograd] n: usize) -> f64 {
    let mut b = vec![0.0; n];
    for i in 0..n {
        b[i] = (x * y).sin() + (i as f64) * x * x;
    }
    b[0] * x + b[n - 1] * y
}

#[test]
fn a_filled_buffer_matches_the_closed_form() {
    for (x, y, n) in [(0.4, -1.1, 3), (1.3, 0.7, 1), (-0.6, 0.2, 5)] {
        let (value, grad, h) = filled_hessian(x, y, n);
        assert_eq!((value, grad), filled_grad(x, y, n));
        // f = s·x + (s + m·x²)·y with s = sin(xy), m = n − 1
        let (s, c, m) = ((x * y).sin(), (x * y).cos(), (n - 1) as f64);
        let hxx = 2.0 * y * c - x * y * y * s - y * y * y * s + 2.0 * m * y;
        let hxy = 2.0 * (x + y) * c - x * x * y * s - x * y * y * s + 2.0 * m * x;
        let hyy = 2.0 * x * c - x * x * y * s - x * x * x * s;
        let h = [h[0][0], h[0][1], h[1][0], h[1][1]];
        assert_all_close(&h, &[hxx, hxy, hxy, hyy], 1e-12, &format!("n = {n}"));
    }
}

/// Each element reads the one before it (a prefix recurrence): the reverse
/// loop undoes iteration by iteration.
#[differentiable(hessian)]
fn prefix(x: [f64; 2], #[nograd] n: usize) -> f64 {
    let mut b = vec![x[0]; n];
    for i in 1..n {
        b[i] = b[i - 1] * x[1] + (b[i] * x[0]).sin();
    }
    let mut s = 0.0;
    for i in 0..n {
        s += b[i] * b[i];
    }
    s
}

#[test]
fn a_recurrence_through_a_buffer_matches_finite_differences() {
    for (x, n) in [([0.3, 0.8], 4), ([-0.5, 1.1], 6), ([0.9, -0.4], 1)] {
        let (value, grad, h) = prefix_hessian(x, n);
        assert_eq!((value, grad), prefix_grad(x, n));
        let h: Vec<Vec<f64>> = h.iter().map(|r| r.to_vec()).collect();
        assert_symmetric(&h, 1e-12);
        let fd = numeric_hessian(|v| prefix_grad([v[0], v[1]], n).1.to_vec(), &x);
        assert_all_close(&h.concat(), &fd.concat(), 1e-6, &format!("n = {n}"));
    }
}

/// A state buffer stepped in place over a slice, with `hvp`.
#[differentiable(hvp)]
fn stepped(x: &[f64], #[nograd] steps: usize) -> f64 {
    let mut y = vec![0.0; x.len()];
    for i in 0..x.len() {
        y[i] = x[i];
    }
    for _ in 0..steps {
        for i in 0..x.len() {
            y[i] = y[i] + 0.1 * (y[i] * x[i]).sin();
        }
    }
    let mut s = 0.0;
    for i in 0..x.len() {
        s += y[i] * y[i];
    }
    s
}

#[test]
fn a_state_buffer_over_a_slice_matches_finite_differences() {
    let x = [0.4, -0.8, 1.2, 0.1];
    let v = [1.0, 0.5, -2.0, 0.75];
    for steps in [0, 1, 5] {
        let (value, grad, hv) = stepped_hvp(&x, steps, &v);
        assert_eq!(
            (value, &grad),
            (stepped_grad(&x, steps).0, &stepped_grad(&x, steps).1)
        );
        for (i, &hvi) in hv.iter().enumerate() {
            let fd = central_diff(
                |t| {
                    let y: Vec<f64> = x.iter().zip(&v).map(|(a, b)| a + t * b).collect();
                    stepped_grad(&y, steps).1[i]
                },
                0.0,
            );
            assert_all_close(&[hvi], &[fd], 1e-6, &format!("steps = {steps}: (H·v)[{i}]"));
        }
    }
}
