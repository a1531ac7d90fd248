//! `name_jvp` of a function passing a differentiable slice on (issue 9):
//! its forward sweep calls the helper's hidden `jvp` with the slice's
//! direction. The helpers and callers are those of `slices.rs`; expected
//! directional derivatives are central differences of the plain function
//! along the direction, and `grad · v` from its reverse-mode gradient (a
//! different sweep through the helpers' `vjp_into`).

use super::slices::{cubes_squared, looped, loss, two_slices, uses_moments, XS};
use super::slices::{cubes_squared_grad, looped_grad, loss_grad, two_slices_grad};
use super::slices::{cubes_squared_jvp, looped_jvp, loss_jvp, two_slices_jvp, uses_moments_jvp};
use crate::common::central_diff;

const V: [f64; 4] = [0.25, 1.0, -0.5, 0.75];

/// `xs + t·v`
fn along(t: f64) -> Vec<f64> {
    XS.iter().zip(&V).map(|(x, v)| x + t * v).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

#[test]
fn jvp_through_helpers_matches_central_differences_and_the_gradient() {
    let (w, tw) = (0.8, -0.6);
    let (v, t) = loss_jvp(&XS, w, (&V, tw));
    assert_eq!(v, loss(&XS, w));
    let fd = central_diff(|s| loss(&along(s), w + s * tw), 0.0);
    crate::assert_close!(t, fd, 1e-8);
    let (_, (dxs, dw)) = loss_grad(&XS, w);
    crate::assert_close!(t, dot(&dxs, &V) + dw * tw, 1e-12);
}

#[test]
fn jvp_along_the_slice_alone_and_the_scalar_alone() {
    let w = -0.4;
    let (_, (dxs, dw)) = loss_grad(&XS, w);
    let (_, t) = loss_jvp(&XS, w, (&V, 0.0));
    crate::assert_close!(t, dot(&dxs, &V), 1e-12);
    let (_, t) = loss_jvp(&XS, w, (&[0.0; 4], 1.0));
    crate::assert_close!(t, dw, 1e-12);
}

#[test]
fn jvp_with_a_helper_called_in_a_run_time_loop() {
    let (k, tk, steps) = (0.7, 0.3, 3);
    let (v, t) = looped_jvp(&XS, k, steps, (&V, tk));
    assert_eq!(v, looped(&XS, k, steps));
    let fd = central_diff(|s| looped(&along(s), k + s * tk, steps), 0.0);
    crate::assert_close!(t, fd, 1e-8);
    let (_, (dxs, dk)) = looped_grad(&XS, k, steps);
    crate::assert_close!(t, dot(&dxs, &V) + dk * tk, 1e-12);
}

#[test]
fn jvp_with_nograd_data_passed_beside_the_slice() {
    // the `#[nograd]` slice reaches the helper's differentiable slice
    // parameter with a zero tangent
    let ys = [1.5, -0.2];
    let (v, t) = two_slices_jvp(&XS, &ys, &V);
    assert_eq!(v, two_slices(&XS, &ys));
    let fd = central_diff(|s| two_slices(&along(s), &ys), 0.0);
    crate::assert_close!(t, fd, 1e-8);
    let (_, dxs) = two_slices_grad(&XS, &ys);
    crate::assert_close!(t, dot(&dxs, &V), 1e-12);
}

#[test]
fn jvp_through_a_helper_returning_an_array() {
    let (w, tw) = (0.6, 0.9);
    let (v, t) = uses_moments_jvp(&XS, w, (&V, tw));
    assert_eq!(v, uses_moments(&XS, w));
    let fd = central_diff(|s| uses_moments(&along(s), w + s * tw), 0.0);
    crate::assert_close!(t, fd, 1e-8);
}

#[test]
fn f32_jvp_through_a_helper() {
    let xs = [0.5_f32, -1.25, 0.75];
    let dir = [1.0_f32, 0.5, -2.0];
    let (t0, tt) = (1.5_f32, 0.25_f32);
    let (v, t) = cubes_squared_jvp(&xs, t0, (&dir, tt));
    assert_eq!(v, cubes_squared(&xs, t0));
    // closed form: c = Σ xᵢ³, f = c²·t, ḟ = 2·c·t·Σ 3xᵢ²·vᵢ + c²·ṫ
    let c: f32 = xs.iter().map(|x| x * x * x).sum();
    let dc: f32 = xs.iter().zip(&dir).map(|(x, v)| 3.0 * x * x * v).sum();
    crate::assert_close!(t, 2.0 * c * t0 * dc + c * c * tt, 1e-5);
    let (_, (dxs, dt)) = cubes_squared_grad(&xs, t0);
    let g: f32 = dxs.iter().zip(&dir).map(|(a, b)| a * b).sum::<f32>() + dt * tt;
    crate::assert_close!(t, g, 1e-5);
}
