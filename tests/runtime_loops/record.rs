//! `#[differentiable(record)]`: a loop's calls into the math library are
//! kept on its tape for the reverse sweep instead of being called again.
//! The gradients must be the same as without it (closed forms, central
//! differences); the expansion snapshot `record_exp_tape` shows the tape.

use macrograd::differentiable;

/// Log-sum-exp with the largest element shifted out: the accumulator
/// loop's adjoint `1/s` depends on its result, so its `exp` values are
/// recorded.
#[differentiable(record, hvp)]
pub fn lse_recorded(x: &[f64]) -> f64 {
    let mut m = x[0];
    for &xi in x {
        m = m.max(xi);
    }
    let mut s = 0.0;
    for &xi in x {
        s += (xi - m).exp();
    }
    m + s.ln()
}

/// A state loop (its reverse sweep runs apart from it), in reverse mode
/// (one scalar parameter: the cost model would pick forward mode): its
/// `exp` value is recorded beside `y`; `sin`'s is not (the backward pass
/// reads `cos`, which it computes), and `sqrt` is recomputed.
#[differentiable(record, mode = reverse)]
pub fn state_recorded(a: f64, #[nograd] xs: &[f64]) -> f64 {
    let mut y = a;
    for &x in xs {
        let u = (y * x).sin();
        let v = (0.5 * y).exp();
        y = u + 0.25 * v + (1.0 + y * y).sqrt();
    }
    y
}

/// The same as [`state_recorded`] without `record`.
#[differentiable(mode = reverse)]
pub fn state_plain(a: f64, #[nograd] xs: &[f64]) -> f64 {
    let mut y = a;
    for &x in xs {
        let u = (y * x).sin();
        let v = (0.5 * y).exp();
        y = u + 0.25 * v + (1.0 + y * y).sqrt();
    }
    y
}

/// An accumulator whose adjoint is known before the loop (it joins the
/// forward loop, so nothing is recorded): still the right gradient.
#[differentiable(record)]
pub fn fused_recorded(w: f64, #[nograd] xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        s += (w * x).exp();
    }
    3.0 * s
}

fn softmax(x: &[f64]) -> Vec<f64> {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = x.iter().map(|v| (v - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

#[test]
fn recorded_lse_gradient_is_the_softmax() {
    for x in [
        vec![0.5],
        vec![0.5, -1.0, 2.0, 0.25],
        (0..50)
            .map(|i| ((i * 37 % 11) as f64) * 0.3 - 1.0)
            .collect(),
    ] {
        let (v, g) = lse_recorded_grad(&x);
        let direct = x.iter().map(|v| v.exp()).sum::<f64>().ln();
        assert!((v - direct).abs() < 1e-12, "{v} vs {direct}");
        super::assert_all_close(&g, &softmax(&x), super::TOL_64, "softmax");
        let mut d = vec![0.0; x.len()];
        assert_eq!(lse_recorded_grad_into(&x, &mut d), v);
        super::assert_all_close(&d, &g, 0.0, "grad_into");
        let fd = super::numeric_grad(lse_recorded, &x);
        super::assert_all_close(&g, &fd, super::TOL_FD, "central differences");
    }
}

#[test]
fn recorded_lse_hvp_matches_the_closed_form() {
    // ∇² lse = diag(p) − p·pᵀ, with p the softmax
    let x = [0.5, -1.0, 2.0, 0.25, 1.5];
    let v = [1.0, -0.5, 0.25, 2.0, -1.0];
    let p = softmax(&x);
    let pv: f64 = p.iter().zip(&v).map(|(a, b)| a * b).sum();
    let expected: Vec<f64> = p.iter().zip(&v).map(|(pi, vi)| pi * vi - pi * pv).collect();
    let (_, g, hv) = lse_recorded_hvp(&x, &v);
    super::assert_all_close(&g, &p, super::TOL_64, "gradient");
    super::assert_all_close(&hv, &expected, 1e-12, "H·v");
}

#[test]
fn recorded_state_loop_matches_the_plain_one_and_differences() {
    for xs in [vec![], vec![0.7], vec![0.7, -1.2, 0.3, 2.0, -0.4]] {
        for a in [-0.8, 0.3, 1.1] {
            let (v, g) = state_recorded_grad(a, &xs);
            let (vp, gp) = state_plain_grad(a, &xs);
            assert_eq!(v, vp);
            assert!((g - gp).abs() <= 1e-14 * (1.0 + gp.abs()), "{g} vs {gp}");
            let fd = super::central_diff(|a| state_recorded(a, &xs), a);
            assert!(
                (g - fd).abs() < super::TOL_FD * (1.0 + fd.abs()),
                "{g} vs {fd}"
            );
        }
    }
}

#[test]
fn recorded_fused_accumulator_matches_the_closed_form() {
    let xs = [0.5, -1.0, 2.0];
    let w: f64 = 0.3;
    let expected: f64 = xs.iter().map(|x| 3.0 * x * (w * x).exp()).sum();
    let (_, g) = fused_recorded_grad(w, &xs);
    assert!((g - expected).abs() < 1e-12, "{g} vs {expected}");
}
