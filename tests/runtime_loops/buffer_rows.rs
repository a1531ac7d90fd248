//! Loops reading and writing a local buffer only at their index: the
//! generated code slices the buffer to the loop's length before the loop
//! (`emit/rows.rs`), only when every iteration reaches such an access, so
//! that the slice panics exactly when the loop would.
//!
//! The functions index run-time buffers (`vec!`) by a range loop's index
//! and read and write an element in separate steps on purpose.
#![allow(
    clippy::needless_range_loop,
    clippy::assign_op_pattern,
    clippy::useless_vec
)]

use macrograd::differentiable;

/// `Σᵢ yᵢ²` after `s` sweeps of `yᵢ += xᵢ²`: every iteration reads and
/// writes `y[i]`, so `y` is sliced before each sweep.
#[differentiable]
fn sweeps(x: &[f64], s: usize) -> f64 {
    let n = x.len();
    let mut y = vec![0.0; n];
    for _ in 0..s {
        for i in 0..n {
            y[i] = y[i] + x[i] * x[i];
        }
    }
    let mut total = 0.0;
    for i in 0..n {
        total += y[i] * y[i];
    }
    total
}

/// `Σ_{i<3} (xᵢ²)²` through a buffer of length 3 that a loop over all of
/// `x` writes only when `i < 3`: no iteration reaches `v[i]` unconditionally,
/// so `v` is not sliced to `x.len()` (which would panic for `x.len() > 3`).
#[differentiable]
fn guarded_short_buffer(x: &[f64]) -> f64 {
    let mut v = vec![0.0; 3];
    for i in 0..x.len() {
        if i < 3 {
            v[i] = v[i] + x[i] * x[i];
        }
    }
    let mut total = 0.0;
    for i in 0..3 {
        total += v[i] * v[i];
    }
    total
}

/// A loop over all of `x` writing `v[i]` in every iteration into a buffer
/// of length 2: indexing panics, in the function and in its gradient.
#[differentiable]
fn short_buffer(x: &[f64]) -> f64 {
    let mut v = vec![0.0; 2];
    for i in 0..x.len() {
        v[i] = x[i] * x[i];
    }
    v[0] + v[1]
}

#[test]
fn sweeps_match_the_closed_form() {
    // yᵢ = s·xᵢ², f = Σ s²xᵢ⁴, ∂f/∂xᵢ = 4s²xᵢ³
    let x = [0.5, -1.25, 2.0, 0.75, -0.3];
    for s in [1usize, 3] {
        let (v, g) = sweeps_grad(&x, s);
        let sf = s as f64;
        let expected: f64 = x.iter().map(|xi| sf * sf * xi.powi(4)).sum();
        assert!(
            (v - expected).abs() <= 1e-12 * expected.abs(),
            "{v} vs {expected}"
        );
        for (gi, xi) in g.iter().zip(&x) {
            let e = 4.0 * sf * sf * xi.powi(3);
            assert!((gi - e).abs() <= 1e-12 * (1.0 + e.abs()), "{gi} vs {e}");
        }
    }
}

#[test]
fn a_guarded_access_does_not_slice_a_shorter_buffer() {
    // f = Σ_{i<3} xᵢ⁴: ∂f/∂xᵢ = 4xᵢ³ for i < 3, 0 beyond
    let x = [0.5, -1.25, 2.0, 0.75, -0.3];
    let (v, g) = guarded_short_buffer_grad(&x);
    let expected: f64 = x[..3].iter().map(|xi| xi.powi(4)).sum();
    assert!((v - expected).abs() <= 1e-12 * expected.abs());
    for (i, (gi, xi)) in g.iter().zip(&x).enumerate() {
        let e = if i < 3 { 4.0 * xi.powi(3) } else { 0.0 };
        assert!(
            (gi - e).abs() <= 1e-12 * (1.0 + e.abs()),
            "{i}: {gi} vs {e}"
        );
    }
}

#[test]
#[should_panic]
fn an_unconditional_access_beyond_the_buffer_panics_in_the_function() {
    short_buffer(&[1.0, 2.0, 3.0]);
}

#[test]
#[should_panic]
fn an_unconditional_access_beyond_the_buffer_panics_in_the_gradient() {
    short_buffer_grad(&[1.0, 2.0, 3.0]);
}

#[test]
fn a_buffer_as_long_as_the_loop_does_not_panic() {
    let (v, g) = short_buffer_grad(&[1.5, -2.0]);
    assert_eq!(v, 1.5 * 1.5 + 4.0);
    assert_eq!(g, vec![3.0, -4.0]);
}
