//! Summing loops that read local buffers: a reverse loop that only sums
//! runs inside its forward loop when the buffers both read are not
//! written in between (values computed once before a loop over data, as
//! GMM's `exp(q)`), and stays apart when they are. Checked against closed
//! forms and central differences.

// the bodies index buffers in loops on purpose: those are the forms tested
#![allow(
    clippy::needless_range_loop,
    clippy::assign_op_pattern,
    clippy::manual_memcpy
)]

use macrograd::differentiable;

use super::{assert_all_close, central_diff, numeric_grad, TOL_FD};

/// `Σᵢ Σ_c (exp(q_c)·xᵢ − μ_c)²` with `exp(q)` computed once into a buffer
/// read by the loop over the points (it fuses with its reverse loop).
#[differentiable]
fn hoisted(q: &[f64], mu: &[f64], #[nograd] x: &[f64]) -> f64 {
    let k = q.len();
    let mut e = vec![0.0; k];
    for c in 0..k {
        e[c] = q[c].exp();
    }
    let mut s = 0.0;
    for i in 0..x.len() {
        for c in 0..k {
            let t = e[c] * x[i] - mu[c];
            s += t * t;
        }
    }
    s
}

/// `s = w²·Σ xᵢ²` read from a buffer that is then overwritten before a
/// second sum, `t = w²·Σ xᵢ`: the first sum's reverse loop must read the
/// buffer as it was, so it does not join its forward loop.
#[differentiable]
fn overwritten(x: &[f64], w: f64) -> f64 {
    let n = x.len();
    let mut v = vec![0.0; n];
    for i in 0..n {
        v[i] = w * x[i];
    }
    let mut s = 0.0;
    for i in 0..n {
        s += v[i] * v[i];
    }
    for i in 0..n {
        v[i] = w * v[i];
    }
    let mut t = 0.0;
    for i in 0..n {
        t += v[i];
    }
    s + t
}

#[test]
fn a_buffer_computed_before_a_summing_loop_gives_the_closed_form() {
    let (q, mu, x) = ([0.3, -0.5], [0.2, 0.7], [0.5, -1.0, 2.0]);
    let (_, (dq, dmu)) = hoisted_grad(&q, &mu, &x);
    // ∂/∂q_c = Σᵢ 2(e_c xᵢ − μ_c)·e_c xᵢ, ∂/∂μ_c = −Σᵢ 2(e_c xᵢ − μ_c)
    let mut eq = [0.0; 2];
    let mut emu = [0.0; 2];
    for c in 0..2 {
        let e = f64::exp(q[c]);
        for &xi in &x {
            eq[c] += 2.0 * (e * xi - mu[c]) * e * xi;
            emu[c] -= 2.0 * (e * xi - mu[c]);
        }
    }
    assert_all_close(&dq, &eq, 1e-12, "hoisted dq");
    assert_all_close(&dmu, &emu, 1e-12, "hoisted dmu");
    let fd = numeric_grad(|v| hoisted(v, &mu, &x), &q);
    assert_all_close(&dq, &fd, TOL_FD, "hoisted dq vs differences");
}

#[test]
fn a_buffer_overwritten_between_the_sums_keeps_its_loops_apart() {
    let (x, w) = ([0.5, -1.5, 2.0], 0.7);
    let (value, (dx, dw)) = overwritten_grad(&x, w);
    let (sq, sum): (f64, f64) = (x.iter().map(|v| v * v).sum(), x.iter().sum());
    assert!((value - w * w * (sq + sum)).abs() < 1e-12);
    assert!((dw - 2.0 * w * (sq + sum)).abs() < 1e-12, "dw {dw}");
    let expected: Vec<f64> = x.iter().map(|v| w * w * (2.0 * v + 1.0)).collect();
    assert_all_close(&dx, &expected, 1e-12, "overwritten dx");
    let fd = central_diff(|w| overwritten(&x, w), w);
    assert!(
        (dw - fd).abs() < TOL_FD * (1.0 + fd.abs()),
        "dw {dw} vs {fd}"
    );
}

/// `Σ sin(w·xᵢ) + w·Σ 2xᵢ` with `x` kept in a buffer read by the first
/// sum and doubled before the second: the first sum's reverse loop reads
/// the buffer as it was, before the doubling, whether it runs fused or not.
#[differentiable]
fn doubled(#[nograd] x: &[f64], w: f64) -> f64 {
    let n = x.len();
    let mut v = vec![0.0; n];
    for i in 0..n {
        v[i] = x[i];
    }
    let mut s = 0.0;
    for i in 0..n {
        s += (w * v[i]).sin();
    }
    for i in 0..n {
        v[i] = 2.0 * v[i];
    }
    let mut t = 0.0;
    for i in 0..n {
        t += w * v[i];
    }
    s + t
}

#[test]
fn a_sum_fused_across_a_later_write_reads_the_buffer_as_it_was() {
    let (x, w) = ([0.5, -1.5, 2.0], 0.7);
    let (_, dw) = doubled_grad(&x, w);
    let expected: f64 = x.iter().map(|v| v * (w * v).cos() + 2.0 * v).sum();
    assert!((dw - expected).abs() < 1e-12, "dw {dw} vs {expected}");
    let fd = central_diff(|w| doubled(&x, w), w);
    assert!(
        (dw - fd).abs() < TOL_FD * (1.0 + fd.abs()),
        "dw {dw} vs {fd}"
    );
}
