//! `name_hvp`, `name_hvp_into` and `name_jvp` over differentiable
//! parameters of run-time length (`&[f64]`, `&Vec<f64>`, `&[[f64; 2]]`).
//!
//! Expected values: the Hessian of the fixed-size version times `v`
//! (extended Rosenbrock), closed forms, and central differences of the
//! generated gradient along `v` (the gradient itself is checked against
//! finite differences of the function in tests/runtime_loops.rs).

// the bodies index slices in run-time loops and take `&Vec<f64>` on purpose:
// those are the forms tested
#![allow(clippy::needless_range_loop, clippy::ptr_arg)]

use super::common::{assert_all_close, central_diff};
use macrograd::differentiable;

/// Extended Rosenbrock over a slice: `Σ (1 − x₂ᵢ)² + 100 (x₂ᵢ₊₁ − x₂ᵢ²)²`
/// over the pairs, an accumulator loop over a run-time range.
#[differentiable(hvp)]
fn ext_rosen_slice(x: &[f64]) -> f64 {
    let mut sum = 0.0;
    for i in 0..x.len() / 2 {
        let a = 1.0 - x[2 * i];
        let b = x[2 * i + 1] - x[2 * i] * x[2 * i];
        sum += a * a + 100.0 * b * b;
    }
    sum
}

/// The same over fixed arrays (the loop unrolled), for n = 2, 6 and 10.
macro_rules! ext_rosen_fixed {
    ($name:ident, $n:literal) => {
        #[differentiable(hessian)]
        fn $name(x: [f64; $n]) -> f64 {
            let mut sum = 0.0;
            for i in 0..$n / 2 {
                let a = 1.0 - x[2 * i];
                let b = x[2 * i + 1] - x[2 * i] * x[2 * i];
                sum += a * a + 100.0 * b * b;
            }
            sum
        }
    };
}
ext_rosen_fixed!(ext_rosen_2, 2);
ext_rosen_fixed!(ext_rosen_6, 6);
ext_rosen_fixed!(ext_rosen_10, 10);

/// `H·v` from a fixed-size Hessian.
fn times<const N: usize>(h: [[f64; N]; N], v: &[f64]) -> Vec<f64> {
    h.iter()
        .map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum())
        .collect()
}

/// `(∇f(x + t·v))ᵢ` differentiated in `t` at 0, for each `i`.
fn fd_hv(grad: impl Fn(&[f64]) -> Vec<f64>, x: &[f64], v: &[f64]) -> Vec<f64> {
    (0..x.len())
        .map(|i| {
            central_diff(
                |t| {
                    let y: Vec<f64> = x.iter().zip(v).map(|(a, b)| a + t * b).collect();
                    grad(&y)[i]
                },
                0.0,
            )
        })
        .collect()
}

const X: [f64; 10] = [-1.2, 1.0, 0.5, 0.3, 2.0, -0.1, 0.0, 1.1, -0.7, 0.9];
const V: [f64; 10] = [0.3, -1.0, 2.0, 0.5, 0.0, 1.5, -0.25, 0.75, 1.0, -2.0];

#[test]
fn extended_rosenbrock_over_a_slice_matches_the_fixed_size_hessian() {
    // n = 0, 1 (an unpaired element: the function ignores it), 3, 5 pairs
    for n in [0, 1, 3, 5] {
        let len = if n == 1 { 3 } else { 2 * n };
        let (x, v) = (&X[..len], &V[..len]);
        let (value, grad, hv) = ext_rosen_slice_hvp(x, v);
        let (gv, gg) = ext_rosen_slice_grad(x);
        assert_eq!(
            (value, &grad),
            (gv, &gg),
            "value and gradient are `_grad`'s"
        );
        assert_eq!((grad.len(), hv.len()), (len, len));
        let expected = match n {
            0 => Vec::new(),
            1 => {
                let mut e = times(ext_rosen_2_hessian([X[0], X[1]]).2, v);
                e.push(0.0);
                e
            }
            3 => times(ext_rosen_6_hessian(X[..6].try_into().unwrap()).2, v),
            _ => times(ext_rosen_10_hessian(X).2, v),
        };
        assert_all_close(&hv, &expected, 1e-12, &format!("n = {n}: H·v"));
        let fd = fd_hv(|y| ext_rosen_slice_grad(y).1, x, v);
        assert_all_close(&hv, &fd, 1e-6, &format!("n = {n}: finite differences"));
    }
}

#[test]
fn hvp_into_adds_into_the_callers_buffers() {
    let (x, v) = (&X[..6], &V[..6]);
    let (value, grad, hv) = ext_rosen_slice_hvp(x, v);
    let mut d = vec![1.0; 6];
    let mut h = vec![-2.0; 6];
    let got = ext_rosen_slice_hvp_into(x, v, &mut d, &mut h);
    assert_eq!(got, value);
    let plus = |base: f64, w: &[f64]| w.iter().map(|a| a + base).collect::<Vec<f64>>();
    assert_all_close(&d, &plus(1.0, &grad), 1e-15, "gradient added");
    assert_all_close(&h, &plus(-2.0, &hv), 1e-15, "H·v added");
    // the empty slice: nothing to add, the value alone
    assert_eq!(ext_rosen_slice_hvp_into(&[], &[], &mut [], &mut []), 0.0);
}

#[test]
#[should_panic(expected = "`x` and its direction `v` differ in length")]
fn a_direction_of_another_length_panics() {
    let _ = ext_rosen_slice_hvp(&X[..4], &V[..3]);
}

#[test]
#[should_panic(expected = "`x` and its output buffer `hv_x` differ in length")]
fn an_output_buffer_of_another_length_panics() {
    let _ = ext_rosen_slice_hvp_into(&X[..4], &V[..4], &mut [0.0; 4], &mut [0.0; 5]);
}

/// A state loop (the product carries through every step), a `while`
/// loop, a `#[nograd]` slice of weights beside the differentiable one,
/// and f32.
#[differentiable(hvp)]
fn weighted(x: &[f32], #[nograd] w: &[f32]) -> f32 {
    let mut p = 1.0;
    let mut s = 0.0;
    for i in 0..x.len() {
        p *= 1.0 + 0.1 * x[i];
        s += w[i] * x[i] * x[i] * x[i];
    }
    let mut k = 0;
    let mut q = 0.0;
    while k < x.len() {
        q += (w[k] * x[k]).sin();
        k += 1;
    }
    p + s + q
}

#[test]
fn state_and_while_loops_with_a_nograd_slice_in_f32() {
    let x = [0.5f32, -0.3, 0.8, 1.2];
    let w = [1.0f32, 2.0, -0.5, 0.25];
    let v = [1.0f32, -0.5, 0.25, 2.0];
    let (value, grad, hv) = weighted_hvp(&x, &w, &v);
    assert_eq!((value, grad.clone()), weighted_grad(&x, &w));
    // closed form: p = Π(1 + 0.1xᵢ), ∂²p/∂xᵢ∂xⱼ = 0.01·p/((1+0.1xᵢ)(1+0.1xⱼ)) for i ≠ j;
    // s and q are separable: 6wᵢxᵢ and −wᵢ² sin(wᵢxᵢ) on the diagonal
    let xd: Vec<f64> = x.iter().map(|&a| a as f64).collect();
    let wd: Vec<f64> = w.iter().map(|&a| a as f64).collect();
    let p: f64 = xd.iter().map(|a| 1.0 + 0.1 * a).product();
    let expected: Vec<f64> = (0..4)
        .map(|i| {
            let mut e = 0.0;
            for j in 0..4 {
                let h = if i == j {
                    6.0 * wd[i] * xd[i] - wd[i] * wd[i] * (wd[i] * xd[i]).sin()
                } else {
                    0.01 * p / ((1.0 + 0.1 * xd[i]) * (1.0 + 0.1 * xd[j]))
                };
                e += h * v[j] as f64;
            }
            e
        })
        .collect();
    let hv: Vec<f64> = hv.iter().map(|&a| a as f64).collect();
    assert_all_close(&hv, &expected, 1e-5, "closed form, f32");
}

/// Rows of two (`&[[f64; 2]]`, points in the plane) beside a scalar.
#[differentiable(hvp)]
fn spread(p: &[[f64; 2]], s: f64) -> f64 {
    let mut e = 0.0;
    for i in 0..p.len() {
        e += (s * p[i][0]).exp() + p[i][0] * p[i][1] * p[i][1];
    }
    e
}

#[test]
fn rows_of_fixed_length_and_a_scalar_beside_them() {
    let p = [[0.3, -0.5], [1.0, 0.2], [-0.4, 0.7]];
    let (vp, vs) = ([[1.0, 0.5], [-0.5, 2.0], [0.25, -1.0]], 0.75);
    let s = 0.6;
    let (value, (gp, gs), (hp, hs)) = spread_hvp(&p, s, (&vp, vs));
    assert_eq!((value, (gp.clone(), gs)), spread_grad(&p, s));
    // closed form: f = Σ e^{s·aᵢ} + aᵢbᵢ² with (aᵢ, bᵢ) = pᵢ
    let (mut ehs, mut ehp) = (0.0, Vec::new());
    for (q, d) in p.iter().zip(&vp) {
        let (a, b, e) = (q[0], q[1], (s * q[0]).exp());
        // ∂²/∂a² = s²e, ∂²/∂a∂b = 2b, ∂²/∂b² = 2a, ∂²/∂a∂s = e(1 + s·a), ∂²/∂s² = a²e
        ehp.push([
            s * s * e * d[0] + 2.0 * b * d[1] + e * (1.0 + s * a) * vs,
            2.0 * b * d[0] + 2.0 * a * d[1],
        ]);
        ehs += e * (1.0 + s * a) * d[0] + a * a * e * vs;
    }
    assert_all_close(&hp.concat(), &ehp.concat(), 1e-13, "H·v, rows");
    assert_all_close(&[hs], &[ehs], 1e-13, "H·v, scalar");
    // into: the rows' buffers, the scalar's entries returned
    let (mut d, mut h) = (vec![[0.0; 2]; 3], vec![[0.0; 2]; 3]);
    let (v2, g2, h2) = spread_hvp_into(&p, s, (&vp, vs), &mut d, &mut h);
    assert_eq!((v2, g2, h2), (value, gs, hs));
    assert_eq!((d, h), (gp, hp));
}

/// `&Vec<f64>` as the differentiable parameter.
#[differentiable]
fn norm_vec(x: &Vec<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i] * x[i].cos();
    }
    s
}

#[test]
fn jvp_is_the_gradient_dotted_with_the_tangent() {
    for n in [0, 1, 4, 10] {
        let (x, t) = (&X[..n], &V[..n]);
        let (value, dd) = ext_rosen_slice_jvp(x, t);
        let (gv, g) = ext_rosen_slice_grad(x);
        assert_eq!(value, gv);
        let dot: f64 = g.iter().zip(t).map(|(a, b)| a * b).sum();
        assert_all_close(&[dd], &[dot], 1e-12, &format!("n = {n}"));
        let fd = central_diff(
            |s| {
                let y: Vec<f64> = x.iter().zip(t).map(|(a, b)| a + s * b).collect();
                ext_rosen_slice(&y)
            },
            0.0,
        );
        assert_all_close(&[dd], &[fd], 1e-6, &format!("n = {n}: finite differences"));
    }
    let x = X.to_vec();
    let (value, dd) = norm_vec_jvp(&x, &V);
    let (gv, g) = norm_vec_grad(&x);
    let dot: f64 = g.iter().zip(&V).map(|(a, b)| a * b).sum();
    assert_eq!(value, gv);
    assert_all_close(&[dd], &[dot], 1e-12, "&Vec<f64>");
}

#[test]
#[should_panic(expected = "`x` and its direction `tangent` differ in length")]
fn a_tangent_of_another_length_panics() {
    let _ = ext_rosen_slice_jvp(&X[..4], &V[..5]);
}

/// Generic over the float type: `Σ xᵢ³ · w`.
#[differentiable(hvp)]
fn cubes<T: macrograd::Float>(x: &[T], #[nograd] w: T) -> T {
    let mut s = T::ZERO;
    for i in 0..x.len() {
        s += x[i] * x[i] * x[i] * w;
    }
    s
}

#[test]
fn generic_slices_in_f32_and_f64() {
    // closed form: (H·v)ᵢ = 6·w·xᵢ·vᵢ
    let (x, v) = ([0.5, -1.5, 2.0], [1.0, 2.0, -0.5]);
    let (_, _, hv) = cubes_hvp(&x, 0.5f64, &v);
    let expected: Vec<f64> = x.iter().zip(&v).map(|(a, b)| 3.0 * a * b).collect();
    assert_all_close(&hv, &expected, 1e-15, "f64");
    let (x32, v32) = (x.map(|a| a as f32), v.map(|a| a as f32));
    let (_, _, hv) = cubes_hvp(&x32, 0.5f32, &v32);
    let hv: Vec<f64> = hv.iter().map(|&a| a as f64).collect();
    assert_all_close(&hv, &expected, 1e-6, "f32");
    let (_, t) = cubes_jvp(&x32, 0.5f32, &v32);
    // ∇f·v = Σ 1.5·xᵢ²·vᵢ
    let dot: f64 = x.iter().zip(&v).map(|(a, b)| 1.5 * a * a * b).sum();
    assert_all_close(&[t as f64], &[dot], 1e-6, "f32 jvp");
}
