//! A differentiable slice passed whole to another `#[differentiable]`
//! function (issue 9): the caller's reverse sweep calls the helper's hidden
//! `vjp_into`, which adds the helper's gradient, scaled by the adjoint of
//! the call's value, into the caller's buffer `d_xs`. Expected gradients
//! are central differences of the plain functions.

use super::common::{assert_all_close, numeric_grad, numeric_grad_f32};
use macrograd::differentiable;

/// `Σ w·xᵢ²`: a helper over the data with a scalar parameter too.
#[differentiable]
pub(crate) fn weighted_squares(xs: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        s += w * x * x;
    }
    s
}

/// `Σ sin xᵢ`
#[differentiable]
pub(crate) fn sines(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        s += x.sin();
    }
    s
}

/// The helpers called twice, their values combined non-linearly, with the
/// slice read directly too (and passed once written `&xs`).
#[allow(clippy::needless_borrow)]
#[differentiable]
pub(crate) fn loss(xs: &[f64], w: f64) -> f64 {
    let a = weighted_squares(xs, w);
    let b = sines(xs);
    let c = weighted_squares(&xs, a.cos());
    a * b + (c * c + 1.0).sqrt() + xs[0] * w
}

/// A helper called inside a run-time loop, once per iteration.
#[differentiable]
pub(crate) fn looped(xs: &[f64], k: f64, steps: usize) -> f64 {
    let mut acc = 0.0;
    for j in 0..steps {
        let s = sines(xs);
        acc += (k * s + j as f64).tanh();
    }
    acc
}

/// `#[nograd]` data beside a differentiable slice: the helper's slice
/// parameter gets a scratch buffer for the data.
#[differentiable]
pub(crate) fn two_slices(xs: &[f64], #[nograd] ys: &[f64]) -> f64 {
    weighted_squares(xs, 2.0) * weighted_squares(ys, 1.0) + sines(xs)
}

/// f32: `Σ xᵢ³` called from a caller squaring it.
#[differentiable]
pub(crate) fn cubes(xs: &[f32]) -> f32 {
    let mut s = 0.0;
    for &x in xs {
        s += x * x * x;
    }
    s
}

#[differentiable]
pub(crate) fn cubes_squared(xs: &[f32], t: f32) -> f32 {
    let c = cubes(xs);
    c * c * t
}

pub(crate) const XS: [f64; 4] = [0.3, -0.7, 1.1, 0.45];

#[test]
fn a_slice_passed_to_helpers_twice_has_the_gradient_of_central_differences() {
    let w = 0.8;
    let (v, (dxs, dw)) = loss_grad(&XS, w);
    assert_eq!(v, loss(&XS, w));
    assert_all_close(
        &dxs,
        &numeric_grad(|x| loss(x, w), &XS),
        1e-7,
        "d loss/d xs",
    );
    let dw_fd = numeric_grad(|p| loss(&XS, p[0]), &[w]);
    assert_all_close(&[dw], &dw_fd, 1e-7, "d loss/d w");
}

#[test]
fn grad_into_adds_the_helpers_gradients_into_the_callers_buffer() {
    let w = -0.4;
    let (_, (dxs, dw)) = loss_grad(&XS, w);
    let mut d = vec![1.0; XS.len()];
    let (v, dw_into) = loss_grad_into(&XS, w, &mut d);
    assert_eq!(v, loss(&XS, w));
    assert_eq!(dw_into, dw);
    let expected: Vec<f64> = dxs.iter().map(|g| g + 1.0).collect();
    assert_all_close(&d, &expected, 1e-12, "accumulated d_xs");
}

#[test]
fn a_helper_called_in_a_run_time_loop() {
    let (k, steps) = (0.7, 3);
    let (v, (dxs, dk)) = looped_grad(&XS, k, steps);
    assert_eq!(v, looped(&XS, k, steps));
    assert_all_close(
        &dxs,
        &numeric_grad(|x| looped(x, k, steps), &XS),
        1e-7,
        "d/d xs",
    );
    let dk_fd = numeric_grad(|p| looped(&XS, p[0], steps), &[k]);
    assert_all_close(&[dk], &dk_fd, 1e-7, "d/d k");
}

#[test]
fn nograd_data_beside_a_differentiable_slice() {
    let ys = [1.5, -0.2];
    let (v, dxs) = two_slices_grad(&XS, &ys);
    assert_eq!(v, two_slices(&XS, &ys));
    assert_all_close(
        &dxs,
        &numeric_grad(|x| two_slices(x, &ys), &XS),
        1e-7,
        "d/d xs",
    );
}

#[test]
fn f32_slices_passed_on() {
    let xs = [0.5_f32, -1.25, 0.75];
    let t = 1.5_f32;
    let (v, (dxs, dt)) = cubes_squared_grad(&xs, t);
    assert_eq!(v, cubes_squared(&xs, t));
    let fd = numeric_grad_f32(|x| cubes_squared(x, t), &xs);
    for (a, e) in dxs.iter().zip(&fd) {
        crate::assert_close!(*a, *e, 2e-3);
    }
    // closed form: d/dt = c², d/dxᵢ = 2·c·t·3xᵢ²
    let c: f32 = xs.iter().map(|x| x * x * x).sum();
    crate::assert_close!(dt, c * c, 1e-6);
    crate::assert_close!(dxs[1], 2.0 * c * t * 3.0 * xs[1] * xs[1], 1e-6);
}

/// `[Σ xᵢ, sin(w·Σ xᵢ²)]`: a helper over a slice returning an array.
#[differentiable]
pub(crate) fn moments(xs: &[f64], w: f64) -> [f64; 2] {
    let mut s = 0.0;
    let mut q = 0.0;
    for &x in xs {
        s += x;
        q += w * x * x;
    }
    [s, q.sin()]
}

#[differentiable]
pub(crate) fn uses_moments(xs: &[f64], w: f64) -> f64 {
    let [s, q] = moments(xs, w);
    s * q + (0.5 * s).exp()
}

#[test]
fn a_helper_returning_an_array_over_the_slice() {
    let w = 0.6;
    let (v, (dxs, dw)) = uses_moments_grad(&XS, w);
    assert_eq!(v, uses_moments(&XS, w));
    assert_all_close(
        &dxs,
        &numeric_grad(|x| uses_moments(x, w), &XS),
        1e-7,
        "d/d xs",
    );
    let dw_fd = numeric_grad(|p| uses_moments(&XS, p[0]), &[w]);
    assert_all_close(&[dw], &dw_fd, 1e-7, "d/d w");
}
