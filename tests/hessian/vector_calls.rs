//! Hessians and HVPs through calls of helpers returning fixed arrays: the
//! helper has `hessian` (or `hvp`), which gives it `name_vjp_jvp`, the
//! tangent of its VJP; the caller's forward-over-reverse sweep goes
//! through it.
//!
//! Expected values: closed forms where short, central differences of the
//! generated gradient (checked against finite differences of the function
//! in tests/calls.rs), `H·v` from the Hessian, symmetry.

use super::common::{assert_all_close, central_diff, Flat};
use super::{assert_symmetric, numeric_hessian, rows};
use macrograd::differentiable;

/// A rotation by `a`: both inputs differentiable.
#[differentiable(hessian)]
fn rotate(p: [f64; 2], a: f64) -> [f64; 2] {
    [p[0] * a.cos() - p[1] * a.sin(), p[0] * a.sin() + p[1] * a.cos()]
}

/// `u·v` of the point rotated by the constant 0.5: the quadratic form
/// `x²cs + xy(c² − s²) − y²cs` (c = cos 0.5, s = sin 0.5).
#[differentiable(hessian)]
fn rotated_product(x: f64, y: f64) -> f64 {
    let [u, v] = rotate([x, y], 0.5);
    u * v
}

/// The angle differentiable too.
#[differentiable(hessian)]
fn rotated_mix(x: f64, y: f64, a: f64) -> f64 {
    let [u, v] = rotate([x * y, y], a * x);
    u * v.sin() + u * u
}

#[test]
fn a_vector_call_has_the_closed_form_hessian() {
    let (c, s) = (0.5f64.cos(), 0.5f64.sin());
    let want = [2.0 * c * s, c * c - s * s, c * c - s * s, -2.0 * c * s];
    for (x, y) in [(0.3, -1.2), (2.0, 0.7)] {
        let (v, g, h) = rotated_product_hessian(x, y);
        assert_eq!((v, g), rotated_product_grad(x, y));
        assert_all_close(&h.flat(), &want, 1e-12, &format!("({x}, {y})"));
    }
}

#[test]
fn a_vector_call_matches_finite_differences_and_hvp_is_h_times_v() {
    for p in [[0.4, 0.9, -0.3], [-0.7, 1.3, 0.8], [1.1, -0.6, 2.0]] {
        let (v, g, h) = rotated_mix_hessian(p[0], p[1], p[2]);
        assert_eq!((v, g), rotated_mix_grad(p[0], p[1], p[2]));
        let fd = numeric_hessian(|q| rotated_mix_grad(q[0], q[1], q[2]).1.flat(), &p);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, &format!("{p:?}"));
        assert_symmetric(&rows(h), 1e-12);
        let dir = [0.5, -2.0, 0.25];
        let (_, _, hv) = rotated_mix_hvp(p[0], p[1], p[2], (dir[0], dir[1], dir[2]));
        let hd: Vec<f64> = (0..3).map(|i| (0..3).map(|j| h[i][j] * dir[j]).sum()).collect();
        assert_all_close(&hv.flat(), &hd, 1e-12, "H·v");
        // and the derivative of the gradient along v
        let along: Vec<f64> = (0..3)
            .map(|i| {
                central_diff(
                    |t| {
                        let q: Vec<f64> = p.iter().zip(dir).map(|(x, d)| x + t * d).collect();
                        rotated_mix_grad(q[0], q[1], q[2]).1.flat()[i]
                    },
                    0.0,
                )
            })
            .collect();
        assert_all_close(&hv.flat(), &along, 1e-6, "gradient along v");
    }
}
