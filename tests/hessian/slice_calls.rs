//! `name_hvp` of a function passing a differentiable slice whole to
//! helpers returning one float (issue 9): the forward sweep over its
//! reverse one calls each helper's hidden `hvp_into`, which adds the
//! tangent of the helper's gradient into the caller's `hv_xs`.
//!
//! Expected values: closed forms where short, and central differences of
//! the generated gradient along `v` (the callers' gradients are checked
//! against finite differences of the functions in tests/calls/slices.rs,
//! which these helpers and callers copy with `hvp` added).

use super::common::{assert_all_close, central_diff};
use macrograd::differentiable;

/// `Σ w·xᵢ²`
#[differentiable(hvp)]
fn weighted_squares(xs: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        s += w * x * x;
    }
    s
}

/// `Σ sin xᵢ`
#[differentiable(hvp)]
fn sines(xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        s += x.sin();
    }
    s
}

/// `(Σ xᵢ²)²`: ∇ = 4s·x, H = 4s·I + 8·x·xᵀ with s = Σ xᵢ².
#[differentiable(hvp)]
fn squared_norm_squared(xs: &[f64]) -> f64 {
    let s = weighted_squares(xs, 1.0);
    s * s
}

/// The helpers called twice, their values combined non-linearly, one
/// helper's scalar argument depending on another's value, with the slice
/// read directly too (and passed once written `&xs`).
#[allow(clippy::needless_borrow)]
#[differentiable(hvp)]
fn loss(xs: &[f64], w: f64) -> f64 {
    let a = weighted_squares(xs, w);
    let b = sines(xs);
    let c = weighted_squares(&xs, a.cos());
    a * b + (c * c + 1.0).sqrt() + xs[0] * w
}

/// A helper called inside a run-time loop, once per iteration.
#[differentiable(hvp)]
fn looped(xs: &[f64], k: f64, steps: usize) -> f64 {
    let mut acc = 0.0;
    for j in 0..steps {
        let s = sines(xs);
        acc += (k * s + j as f64).tanh();
    }
    acc
}

/// `#[nograd]` data passed to the helper's differentiable slice
/// parameter beside the differentiable slice.
#[differentiable(hvp)]
fn two_slices(xs: &[f64], #[nograd] ys: &[f64]) -> f64 {
    weighted_squares(xs, 2.0) * weighted_squares(ys, 1.0) + sines(xs).powi(2)
}

const XS: [f64; 4] = [0.3, -0.7, 1.1, 0.45];
const V: [f64; 4] = [0.25, 1.0, -0.5, 0.75];

/// `(∇f(xs + t·v))ᵢ` differentiated in `t` at 0, for each `i`, by central
/// differences of `grad`.
fn fd_hv(grad: impl Fn(&[f64]) -> Vec<f64>, xs: &[f64], v: &[f64]) -> Vec<f64> {
    (0..xs.len())
        .map(|i| {
            central_diff(
                |t| {
                    let y: Vec<f64> = xs.iter().zip(v).map(|(a, b)| a + t * b).collect();
                    grad(&y)[i]
                },
                0.0,
            )
        })
        .collect()
}

#[test]
fn hvp_through_a_helper_matches_the_closed_form() {
    let (value, grad, hv) = squared_norm_squared_hvp(&XS, &V);
    let s: f64 = XS.iter().map(|x| x * x).sum();
    let xv: f64 = XS.iter().zip(&V).map(|(x, v)| x * v).sum();
    assert_eq!(value, s * s);
    let g: Vec<f64> = XS.iter().map(|x| 4.0 * s * x).collect();
    assert_all_close(&grad, &g, 1e-12, "gradient 4s·x");
    let expected: Vec<f64> = XS
        .iter()
        .zip(&V)
        .map(|(x, v)| 4.0 * s * v + 8.0 * x * xv)
        .collect();
    assert_all_close(&hv, &expected, 1e-12, "H·v = 4s·v + 8x(x·v)");
}

#[test]
fn hvp_through_helpers_called_twice_matches_central_differences() {
    let (w, vw) = (0.8, -0.6);
    let (value, (gxs, gw), (hxs, hw)) = loss_hvp(&XS, w, (&V, vw));
    let (gv, (dxs, dw)) = loss_grad(&XS, w);
    assert_eq!(
        (value, &gxs, gw),
        (gv, &dxs, dw),
        "value and gradient are `_grad`'s"
    );
    // the gradient along (v, vw), differentiated by central differences
    let at = |t: f64| {
        let y: Vec<f64> = XS.iter().zip(&V).map(|(a, b)| a + t * b).collect();
        loss_grad(&y, w + t * vw).1
    };
    let fd: Vec<f64> = (0..XS.len())
        .map(|i| central_diff(|t| at(t).0[i], 0.0))
        .collect();
    assert_all_close(&hxs, &fd, 1e-6, "H·v, the slice's part");
    crate::assert_close!(hw, central_diff(|t| at(t).1, 0.0), 1e-6);
    // along the scalar alone: the slice's part is ∂²f/∂xs∂w·vw
    let (_, _, (hxs, _)) = loss_hvp(&XS, w, (&[0.0; 4], 1.0));
    let fd: Vec<f64> = (0..XS.len())
        .map(|i| central_diff(|t| loss_grad(&XS, w + t).1 .0[i], 0.0))
        .collect();
    assert_all_close(&hxs, &fd, 1e-6, "∂²f/∂xs∂w");
}

#[test]
fn hvp_with_a_helper_called_in_a_run_time_loop() {
    let (k, vk, steps) = (0.7, 0.3, 3);
    let (_, _, (hxs, hk)) = looped_hvp(&XS, k, steps, (&V, vk));
    let at = |t: f64| {
        let y: Vec<f64> = XS.iter().zip(&V).map(|(a, b)| a + t * b).collect();
        looped_grad(&y, k + t * vk, steps).1
    };
    let fd: Vec<f64> = (0..XS.len())
        .map(|i| central_diff(|t| at(t).0[i], 0.0))
        .collect();
    assert_all_close(&hxs, &fd, 1e-6, "H·v, the slice's part");
    crate::assert_close!(hk, central_diff(|t| at(t).1, 0.0), 1e-6);
}

#[test]
fn hvp_with_nograd_data_passed_beside_the_slice() {
    let ys = [1.5, -0.2, 0.4];
    let (value, grad, hv) = two_slices_hvp(&XS, &ys, &V);
    assert_eq!(
        (value, &grad),
        (two_slices(&XS, &ys), &two_slices_grad(&XS, &ys).1)
    );
    let fd = fd_hv(|y| two_slices_grad(y, &ys).1, &XS, &V);
    assert_all_close(&hv, &fd, 1e-6, "H·v");
}

#[test]
fn hvp_into_of_a_caller_adds_into_its_buffers() {
    let (_, grad, hv) = squared_norm_squared_hvp(&XS, &V);
    let (mut d, mut h) = (vec![1.0; 4], vec![-2.0; 4]);
    squared_norm_squared_hvp_into(&XS, &V, &mut d, &mut h);
    let plus = |base: f64, w: &[f64]| w.iter().map(|a| a + base).collect::<Vec<f64>>();
    assert_all_close(&d, &plus(1.0, &grad), 1e-15, "gradient added");
    assert_all_close(&h, &plus(-2.0, &hv), 1e-15, "H·v added");
}
