//! A local buffer (`let mut v = vec![…]`) passed whole to another
//! `#[differentiable]` function taking `&[F]`: the caller's reverse sweep
//! calls the helper's hidden `vjp_into`, which adds the helper's gradient
//! into the local's adjoint buffer; that then flows back through the loops
//! that wrote the buffer. Expected gradients are central differences of
//! the plain functions and closed forms.

// the bodies index buffers in loops and write `v[i] = v[i] …` on purpose
#![allow(
    clippy::needless_range_loop,
    clippy::assign_op_pattern,
    clippy::manual_memcpy
)]

use super::common::{assert_all_close, numeric_grad, numeric_grad_f32};
use super::slices::{cubes, sines, weighted_squares, XS};
use macrograd::differentiable;

/// `Σ sin(k·xᵢ)·w` through a buffer `vᵢ = k·xᵢ` filled at top level.
#[differentiable]
pub(crate) fn scaled(xs: &[f64], k: f64, w: f64) -> f64 {
    let mut v = vec![0.0; xs.len()];
    for i in 0..xs.len() {
        v[i] = k * xs[i];
    }
    sines(&v) * w
}

/// The buffer passed between two run-time loops that write it, and after
/// the second; `v` also read directly.
#[differentiable]
pub(crate) fn between(xs: &[f64], k: f64) -> f64 {
    let mut v = vec![k; xs.len()];
    for i in 0..xs.len() {
        v[i] = v[i] * xs[i];
    }
    let a = weighted_squares(&v, k);
    for i in 0..xs.len() {
        v[i] = (v[i] + a).sin();
    }
    let b = sines(&v);
    a * b + v[0]
}

/// Passed inside a run-time loop that rewrites the buffer each step (an
/// Euler-like update reading the helper's value).
#[differentiable]
pub(crate) fn stepped(xs: &[f64], h: f64, steps: usize) -> f64 {
    let mut v = vec![0.0; xs.len()];
    for i in 0..xs.len() {
        v[i] = xs[i];
    }
    let mut acc = 0.0;
    for _ in 0..steps {
        let s = weighted_squares(&v, h);
        acc += s;
        for i in 0..v.len() {
            v[i] -= h * s * v[i];
        }
    }
    acc + sines(&v)
}

/// Passed on in each iteration of a loop whose iterations each write their
/// own element `v[i]`: the call reads the whole buffer, elements other
/// iterations wrote included, so the loop is not rolled back at once (nor
/// its writes dropped, nor a row of `v` held across it).
#[differentiable]
pub(crate) fn prefixes(xs: &[f64], k: f64) -> f64 {
    let mut v = vec![0.0; xs.len()];
    let mut acc = 0.0;
    for i in 0..xs.len() {
        v[i] = k * xs[i];
        acc += sines(&v);
    }
    acc
}

/// Two equal loops passing the buffer on, a write of it between them:
/// they compute different sums (the loops are not merged).
#[differentiable]
pub(crate) fn rewritten(xs: &[f64], k: f64, steps: usize) -> f64 {
    let mut v = vec![0.0; xs.len()];
    for i in 0..xs.len() {
        v[i] = k * xs[i];
    }
    let mut a = 0.0;
    for _ in 0..steps {
        a += sines(&v);
    }
    for i in 0..xs.len() {
        v[i] = v[i] * v[i];
    }
    let mut b = 0.0;
    for _ in 0..steps {
        b += sines(&v);
    }
    a * b
}

/// A helper that itself passes a local buffer on (`stepped`), called
/// with a local buffer: its hidden `vjp_into` adds into `d_v` in turn.
#[differentiable]
pub(crate) fn nested_locals(xs: &[f64], h: f64, steps: usize) -> f64 {
    let mut v = vec![0.0; xs.len()];
    for i in 0..xs.len() {
        v[i] = xs[i] * xs[i];
    }
    stepped(&v, h, steps).cos()
}

/// A local buffer and the parameter itself passed to the same helpers.
#[differentiable]
pub(crate) fn mixed(xs: &[f64], w: f64) -> f64 {
    let mut v = vec![w; 3];
    v[1] = xs[0] * w;
    weighted_squares(&v, 1.0) * sines(xs)
}

/// A buffer of `#[nograd]` data (no adjoint): the helper's gradient for
/// it goes into the callee's scratch buffer; `w` still gets its part.
#[differentiable]
pub(crate) fn inert(xs: &[f64], #[nograd] ys: &[f64], w: f64) -> f64 {
    let mut v = vec![0.0; ys.len()];
    for i in 0..ys.len() {
        v[i] = ys[i] * ys[i];
    }
    weighted_squares(&v, w) * xs[0]
}

/// f32: `(Σ (t·xᵢ)³)·t`.
#[differentiable]
pub(crate) fn cubes_local(xs: &[f32], t: f32) -> f32 {
    let mut v = vec![0.0; xs.len()];
    for i in 0..xs.len() {
        v[i] = t * xs[i];
    }
    cubes(&v) * t
}

#[test]
fn a_local_buffer_filled_at_top_level_passed_on() {
    let (k, w) = (0.7, -1.3);
    let (v, (dxs, dk, dw)) = scaled_grad(&XS, k, w);
    assert_eq!(v, scaled(&XS, k, w));
    // closed forms: d/dxᵢ = w·k·cos(k·xᵢ), d/dk = w·Σ xᵢ cos(k·xᵢ), d/dw = Σ sin(k·xᵢ)
    let expected: Vec<f64> = XS.iter().map(|x| w * k * (k * x).cos()).collect();
    assert_all_close(&dxs, &expected, 1e-12, "d/d xs");
    let dk_cf: f64 = XS.iter().map(|x| w * x * (k * x).cos()).sum();
    let dw_cf: f64 = XS.iter().map(|x| (k * x).sin()).sum();
    assert_all_close(&[dk, dw], &[dk_cf, dw_cf], 1e-12, "d/d k, d/d w");
}

#[test]
fn a_local_buffer_passed_between_loops_that_write_it() {
    let k = 0.6;
    let (v, (dxs, dk)) = between_grad(&XS, k);
    assert_eq!(v, between(&XS, k));
    assert_all_close(&dxs, &numeric_grad(|x| between(x, k), &XS), 1e-7, "d/d xs");
    let dk_fd = numeric_grad(|p| between(&XS, p[0]), &[k]);
    assert_all_close(&[dk], &dk_fd, 1e-7, "d/d k");
}

#[test]
fn a_local_buffer_passed_on_in_a_run_time_loop() {
    let h = 0.1;
    for steps in [0, 1, 3] {
        let (v, (dxs, dh)) = stepped_grad(&XS, h, steps);
        assert_eq!(v, stepped(&XS, h, steps));
        let what = format!("d/d xs, {steps} steps");
        assert_all_close(
            &dxs,
            &numeric_grad(|x| stepped(x, h, steps), &XS),
            1e-7,
            &what,
        );
        let dh_fd = numeric_grad(|p| stepped(&XS, p[0], steps), &[h]);
        assert_all_close(&[dh], &dh_fd, 1e-7, "d/d h");
    }
}

#[test]
fn a_local_buffer_passed_on_while_a_loop_writes_its_own_elements() {
    let k = 0.8;
    let (v, (dxs, dk)) = prefixes_grad(&XS, k);
    assert_eq!(v, prefixes(&XS, k));
    // closed forms: f = Σᵢ Σ_{j≤i} sin(k·xⱼ) = Σⱼ (n − j)·sin(k·xⱼ)
    let n = XS.len();
    let expected: Vec<f64> = (0..n)
        .map(|j| (n - j) as f64 * k * (k * XS[j]).cos())
        .collect();
    assert_all_close(&dxs, &expected, 1e-12, "d/d xs");
    let dk_cf: f64 = (0..n)
        .map(|j| (n - j) as f64 * XS[j] * (k * XS[j]).cos())
        .sum();
    assert_all_close(&[dk], &[dk_cf], 1e-12, "d/d k");
    let u = [0.4, -1.1, 0.25, 0.9];
    let (_, t) = prefixes_jvp(&XS, k, (&u, 0.3));
    let fd = super::common::central_diff(
        |s| {
            let x: Vec<f64> = XS.iter().zip(&u).map(|(x, d)| x + s * d).collect();
            prefixes(&x, k + 0.3 * s)
        },
        0.0,
    );
    assert_all_close(&[t], &[fd], 1e-7, "prefixes_jvp");
}

#[test]
fn equal_loops_passing_a_buffer_on_around_a_write_of_it() {
    let k = 0.9;
    let steps = 2;
    let f = |x: &[f64], k: f64| {
        let a: f64 = x.iter().map(|x| (k * x).sin()).sum();
        let b: f64 = x.iter().map(|x| (k * x * k * x).sin()).sum();
        (steps * steps) as f64 * a * b
    };
    let (v, (dxs, dk)) = rewritten_grad(&XS, k, steps);
    assert_eq!(v, rewritten(&XS, k, steps));
    crate::assert_close!(v, f(&XS, k), 1e-12);
    assert_all_close(&dxs, &numeric_grad(|x| f(x, k), &XS), 1e-7, "d/d xs");
    let dk_fd = numeric_grad(|p| f(&XS, p[0]), &[k]);
    assert_all_close(&[dk], &dk_fd, 1e-7, "d/d k");
}

#[test]
fn vjp_and_a_helper_passing_its_own_local_buffer_on() {
    let h = 0.1;
    let (v, (dxs, dh)) = stepped_vjp(&XS, h, 2, -1.5);
    assert_eq!(v, stepped(&XS, h, 2));
    let fd: Vec<f64> = numeric_grad(|x| stepped(x, h, 2), &XS)
        .iter()
        .map(|g| -1.5 * g)
        .collect();
    assert_all_close(&dxs, &fd, 1e-7, "stepped_vjp d/d xs");
    let dh_fd = numeric_grad(|p| stepped(&XS, p[0], 2), &[h])[0] * -1.5;
    assert_all_close(&[dh], &[dh_fd], 1e-7, "stepped_vjp d/d h");
    let (v, (dxs, dh)) = nested_locals_grad(&XS, h, 2);
    assert_eq!(v, nested_locals(&XS, h, 2));
    let fd = numeric_grad(|x| nested_locals(x, h, 2), &XS);
    assert_all_close(&dxs, &fd, 1e-7, "nested d/d xs");
    let dh_fd = numeric_grad(|p| nested_locals(&XS, p[0], 2), &[h]);
    assert_all_close(&[dh], &dh_fd, 1e-7, "nested d/d h");
}

#[test]
fn a_local_buffer_beside_the_slice_parameter() {
    let w = 0.9;
    let (v, (dxs, dw)) = mixed_grad(&XS, w);
    assert_eq!(v, mixed(&XS, w));
    assert_all_close(&dxs, &numeric_grad(|x| mixed(x, w), &XS), 1e-7, "d/d xs");
    let dw_fd = numeric_grad(|p| mixed(&XS, p[0]), &[w]);
    assert_all_close(&[dw], &dw_fd, 1e-7, "d/d w");
}

#[test]
fn a_local_buffer_of_data_passed_on() {
    let ys = [0.5, -2.0, 1.5];
    let w = 0.3;
    let (v, (dxs, dw)) = inert_grad(&XS, &ys, w);
    assert_eq!(v, inert(&XS, &ys, w));
    // closed forms: f = w·Σ yᵢ⁴·x₀
    let q: f64 = ys.iter().map(|y| y.powi(4)).sum();
    assert_all_close(&dxs, &[w * q, 0.0, 0.0, 0.0], 1e-12, "d/d xs");
    assert_all_close(&[dw], &[q * XS[0]], 1e-12, "d/d w");
    let (_, t) = inert_jvp(&XS, &ys, w, (&[1.0, 0.0, 0.0, 0.0], 2.0));
    assert_all_close(&[t], &[w * q + 2.0 * q * XS[0]], 1e-12, "inert_jvp");
}

#[test]
fn f32_local_buffer_passed_on() {
    let xs = [0.5_f32, -1.25, 0.75];
    let t = 1.2_f32;
    let (v, (dxs, dt)) = cubes_local_grad(&xs, t);
    assert_eq!(v, cubes_local(&xs, t));
    let fd = numeric_grad_f32(|x| cubes_local(x, t), &xs);
    for (a, e) in dxs.iter().zip(&fd) {
        crate::assert_close!(*a, *e, 2e-3);
    }
    // closed form: f = t⁴·Σ xᵢ³, d/dt = 4t³·Σ xᵢ³, d/dxᵢ = 3t⁴xᵢ²
    let c: f32 = xs.iter().map(|x| x * x * x).sum();
    crate::assert_close!(dt, 4.0 * t * t * t * c, 1e-5);
    crate::assert_close!(dxs[1], 3.0 * t.powi(4) * xs[1] * xs[1], 1e-5);
}

/// `name_jvp` of a caller passing a local buffer on: the helper's `jvp`
/// reads the buffer's tangent buffer. Expected: central differences of
/// `t ↦ f(x + t·u)`.
#[test]
fn jvp_through_a_local_buffer_passed_on() {
    let u = [0.4, -1.1, 0.25, 0.9];
    let at = |s: f64| -> Vec<f64> { XS.iter().zip(&u).map(|(x, d)| x + s * d).collect() };
    let (k, w, uk, uw) = (0.7, -1.3, 0.3, -0.5);
    let (v, t) = scaled_jvp(&XS, k, w, (&u, uk, uw));
    assert_eq!(v, scaled(&XS, k, w));
    let fd = super::common::central_diff(|s| scaled(&at(s), k + s * uk, w + s * uw), 0.0);
    assert_all_close(&[t], &[fd], 1e-7, "scaled_jvp");
    let h = 0.1;
    for steps in [0, 1, 3] {
        let (v, t) = stepped_jvp(&XS, h, steps, (&u, uk));
        assert_eq!(v, stepped(&XS, h, steps));
        let fd = super::common::central_diff(|s| stepped(&at(s), h + s * uk, steps), 0.0);
        assert_all_close(&[t], &[fd], 1e-7, &format!("stepped_jvp, {steps} steps"));
    }
    let (v, t) = mixed_jvp(&XS, w, (&u, uw));
    assert_eq!(v, mixed(&XS, w));
    let fd = super::common::central_diff(|s| mixed(&at(s), w + s * uw), 0.0);
    assert_all_close(&[t], &[fd], 1e-7, "mixed_jvp");
    let (v, t) = between_jvp(&XS, k, (&u, uk));
    assert_eq!(v, between(&XS, k));
    let fd = super::common::central_diff(|s| between(&at(s), k + s * uk), 0.0);
    assert_all_close(&[t], &[fd], 1e-7, "between_jvp");
}
