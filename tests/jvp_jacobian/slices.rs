//! `name_vjp`, `name_vjp_into` and `name_jvp` of functions returning
//! `[F; m]` over differentiable parameters of run-time length.
//!
//! Expected values: closed forms, and central differences of the function
//! itself (`uᵀJ` is the derivative of `u·f`; `J·v` that of `f` along `v`).

// the bodies index slices in run-time loops on purpose: that is the form tested
#![allow(clippy::needless_range_loop)]

use super::common::{assert_all_close, central_diff, Flat};
use macrograd::differentiable;

/// Sum and weighted sum of squares over a slice, with a fixed-size
/// parameter beside it.
#[differentiable]
fn moments(xs: &[f64], w: f64) -> [f64; 2] {
    let mut s = 0.0;
    let mut q = 0.0;
    for i in 0..xs.len() {
        s += xs[i];
        q += w * xs[i] * xs[i];
    }
    [s, q.sin()]
}

/// A slice alone, f32, a tuple result.
#[differentiable]
fn ends_f32(xs: &[f32]) -> (f32, f32) {
    let mut p = 1.0;
    for i in 0..xs.len() {
        p *= xs[i];
    }
    (p, xs[0] * xs[xs.len() - 1])
}

fn moments_plain(xs: &[f64], w: f64) -> [f64; 2] {
    let s: f64 = xs.iter().sum();
    let q: f64 = xs.iter().map(|x| w * x * x).sum();
    [s, q.sin()]
}

#[test]
fn vjp_over_a_slice_has_the_closed_form() {
    let (xs, w, u) = (vec![0.5, -1.2, 2.0], 0.3, [1.5, -0.7]);
    let (v, (dxs, dw)) = moments_vjp(&xs, w, u);
    assert_eq!(v, moments_plain(&xs, w));
    assert_eq!(v, moments(&xs, w));
    // uᵀJ: ∂s/∂xᵢ = 1, ∂sin q/∂xᵢ = cos q · 2w xᵢ, ∂sin q/∂w = cos q · Σ xᵢ²
    let q: f64 = xs.iter().map(|x| w * x * x).sum();
    let want: Vec<f64> = xs
        .iter()
        .map(|x| u[0] + u[1] * q.cos() * 2.0 * w * x)
        .collect();
    assert_all_close(&dxs, &want, 1e-12, "slice entry");
    let sq: f64 = xs.iter().map(|x| x * x).sum();
    assert_all_close(&[dw], &[u[1] * q.cos() * sq], 1e-12, "fixed entry");
    // the `_into` form adds into the caller's buffer
    let mut d_xs = vec![1.0; 3];
    let (v2, dw2) = moments_vjp_into(&xs, w, u, &mut d_xs);
    assert_eq!((v2, dw2), (v, dw));
    let plus_one: Vec<f64> = want.iter().map(|g| g + 1.0).collect();
    assert_all_close(&d_xs, &plus_one, 1e-12, "added into the buffer");
}

#[test]
fn vjp_and_jvp_over_a_slice_match_finite_differences() {
    for n in [1, 2, 5] {
        let xs: Vec<f64> = (0..n).map(|i| 0.3 + 0.4 * i as f64).collect();
        let (w, u) = (-0.8, [0.4, 1.1]);
        let (_, (dxs, dw)) = moments_vjp(&xs, w, u);
        let dot = |xs: &[f64], w: f64| {
            let y = moments_plain(xs, w);
            u[0] * y[0] + u[1] * y[1]
        };
        for i in 0..n {
            let fd = central_diff(
                |t| {
                    let mut ys = xs.clone();
                    ys[i] = t;
                    dot(&ys, w)
                },
                xs[i],
            );
            assert_all_close(&[dxs[i]], &[fd], 1e-6, &format!("n = {n}, x[{i}]"));
        }
        assert_all_close(&[dw], &[central_diff(|t| dot(&xs, t), w)], 1e-6, "w");
        // J·v along a slice tangent and a scalar one
        let (tx, tw): (Vec<f64>, f64) = ((0..n).map(|i| 1.0 - 0.5 * i as f64).collect(), 0.7);
        let (v, jv) = moments_jvp(&xs, w, (&tx, tw));
        assert_eq!(v, moments_plain(&xs, w));
        let along = |k: usize| {
            central_diff(
                |e| {
                    let ys: Vec<f64> = xs.iter().zip(&tx).map(|(x, d)| x + e * d).collect();
                    moments_plain(&ys, w + e * tw)[k]
                },
                0.0,
            )
        };
        assert_all_close(&jv, &[along(0), along(1)], 1e-6, &format!("jvp n = {n}"));
        // uᵀ(J·v) = (uᵀJ)·v
        let lhs = u[0] * jv[0] + u[1] * jv[1];
        let rhs: f64 = dxs.iter().zip(&tx).map(|(g, d)| g * d).sum::<f64>() + dw * tw;
        assert_all_close(&[lhs], &[rhs], 1e-12, "uᵀJv both ways");
    }
}

#[test]
fn f32_slice_and_tuple_result() {
    let xs = [0.5f32, -1.5, 2.0];
    let ((p, e), g) = ends_f32_vjp(&xs, (1.0, 0.5));
    assert_eq!((p, e), (0.5 * -1.5 * 2.0, 0.5 * 2.0));
    assert_eq!((p, e), ends_f32(&xs));
    // ∂p/∂xᵢ = p / xᵢ; ∂e/∂x₀ = x₂, ∂e/∂x₂ = x₀
    let want = [p / xs[0] + 0.5 * xs[2], p / xs[1], p / xs[2] + 0.5 * xs[0]];
    let g: Vec<f64> = g.iter().map(|&x| f64::from(x)).collect();
    assert_all_close(&g, &want.map(f64::from), 1e-6, "f32 vjp");
    let (_, (dp, de)) = ends_f32_jvp(&xs, &[1.0, 0.0, 0.0]);
    assert_all_close(
        &[dp, de].flat(),
        &[f64::from(p / xs[0]), 2.0],
        1e-6,
        "f32 jvp",
    );
}
