//! Hessians through helpers whose struct result takes fields from
//! `..base` (a struct parameter or a part of one): the copied fields'
//! derivative is the identity, so the helper's `name_vjp_jvp` adds the
//! cotangent's copied part into the gradient and the cotangent tangent's
//! copied part into the gradient's tangent.
//!
//! Expected values: closed forms, central differences of the generated
//! gradient and of the helper's own VJP, `H·v` from the Hessian.

use super::common::{assert_all_close, central_diff, Flat};
use super::{assert_symmetric, numeric_hessian, rows};
use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Debug, Differentiable)]
struct Point {
    x: f64,
    y: f64,
}

/// `x` moved by `d²`, `y` copied from `s`.
#[differentiable(hessian)]
fn shift(s: Point, d: f64) -> Point {
    Point {
        x: s.x + d * d,
        ..s
    }
}

/// `x·y` of `shift(Point { a, a·b }, b)`: `(a + b²)·ab = a²b + ab³`.
#[differentiable(hessian)]
fn through_shift(a: f64, b: f64) -> f64 {
    let Point { x, y } = shift(Point { x: a, y: a * b }, b);
    x * y
}

#[test]
fn a_struct_result_with_base_has_the_closed_form_hessian() {
    for (a, b) in [(0.3_f64, -1.2_f64), (1.7, 0.4), (-0.9, 2.1)] {
        let (v, g, h) = through_shift_hessian(a, b);
        assert_eq!((v, g), through_shift_grad(a, b));
        assert_all_close(&[v], &[a * a * b + a * b * b * b], 1e-14, "value");
        // f_aa = 2b, f_ab = 2a + 3b², f_bb = 6ab
        let want = [
            2.0 * b,
            2.0 * a + 3.0 * b * b,
            2.0 * a + 3.0 * b * b,
            6.0 * a * b,
        ];
        assert_all_close(&h.flat(), &want, 1e-12, &format!("shift ({a}, {b})"));
        let fd = numeric_hessian(|p| through_shift_grad(p[0], p[1]).1.flat(), &[a, b]);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, "shift finite differences");
        let (_, g2, hv) = through_shift_hvp(a, b, (0.5, -1.0));
        assert_eq!(g, g2);
        let hd = [0.5 * want[0] - want[1], 0.5 * want[2] - want[3]];
        assert_all_close(&hv.flat(), &hd, 1e-12, "shift H·v");
    }
}

#[test]
fn the_helpers_own_vjp_jvp_with_base_matches_finite_differences_of_its_vjp() {
    let (s, d) = (Point { x: 1.3, y: -0.4 }, 0.7_f64);
    let u = Point { x: 0.7, y: -1.1 };
    let u_dot = Point { x: -0.2, y: 0.5 };
    let dir = (Point { x: 0.6, y: 0.9 }, -1.4);
    let (value, grad, tangent) = shift_vjp_jvp(s, d, u, dir, u_dot);
    assert_eq!((value.x, value.y), (s.x + d * d, s.y));
    let (_, want) = shift_vjp(s, d, u);
    assert_eq!((grad.0.x, grad.0.y, grad.1), (want.0.x, want.0.y, want.1));
    // uᵀJ = (u.x, u.y, 2d·u.x)
    assert_all_close(
        &[grad.0.x, grad.0.y, grad.1],
        &[u.x, u.y, 2.0 * d * u.x],
        1e-14,
        "vjp",
    );
    let fd = |i: usize| {
        central_diff(
            |e| {
                let c = Point {
                    x: u.x + e * u_dot.x,
                    y: u.y + e * u_dot.y,
                };
                let p = Point {
                    x: s.x + e * dir.0.x,
                    y: s.y + e * dir.0.y,
                };
                let g = shift_vjp(p, d + e * dir.1, c).1;
                [g.0.x, g.0.y, g.1][i]
            },
            0.0,
        )
    };
    assert_all_close(
        &[tangent.0.x, tangent.0.y, tangent.1],
        &[fd(0), fd(1), fd(2)],
        1e-7,
        "vjp_jvp",
    );
    // closed form: (u̇.x, u̇.y, 2ḋ·u.x + 2d·u̇.x)
    assert_all_close(
        &[tangent.0.x, tangent.0.y, tangent.1],
        &[u_dot.x, u_dot.y, 2.0 * dir.1 * u.x + 2.0 * d * u_dot.x],
        1e-14,
        "vjp_jvp closed form",
    );
}

#[derive(Clone, Copy, Debug, Differentiable)]
struct Body {
    at: Point,
    m: f64,
}

/// A nested part copied by `..b.at` and the rest by `..*b`, through a
/// reference parameter.
#[differentiable(hessian)]
fn grow(b: &Body, k: f64) -> Body {
    Body {
        at: Point {
            y: b.at.y * k,
            ..b.at
        },
        ..*b
    }
}

/// `m·x·y` of `grow(Body { at: (a, b), m: a·b }, b)`: `ab·a·b² = a²b³`,
/// plus `x²` read by field: `a²`.
#[differentiable(hvp)]
fn through_grow(a: f64, b: f64) -> f64 {
    let r = grow(
        &Body {
            at: Point { x: a, y: b },
            m: a * b,
        },
        b,
    );
    r.m * r.at.x * r.at.y + r.at.x * r.at.x
}

#[test]
fn nested_parts_copied_by_base_match_closed_forms_and_differences() {
    for (a, b) in [(0.3_f64, -1.2_f64), (1.1, 0.6)] {
        let (v, g) = through_grow_grad(a, b);
        assert_all_close(&[v], &[a * a * b * b * b + a * a], 1e-14, "value");
        // f = a²b³ + a²: f_aa = 2b³ + 2, f_ab = 6ab², f_bb = 6a²b
        let h = [
            [2.0 * b * b * b + 2.0, 6.0 * a * b * b],
            [6.0 * a * b * b, 6.0 * a * a * b],
        ];
        let fd = numeric_hessian(|p| through_grow_grad(p[0], p[1]).1.flat(), &[a, b]);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, "closed form vs differences");
        for d in [[1.0, 0.0], [0.0, 1.0], [0.5, -2.0]] {
            let (_, g2, hv) = through_grow_hvp(a, b, (d[0], d[1]));
            assert_eq!(g, g2);
            let want = [
                h[0][0] * d[0] + h[0][1] * d[1],
                h[1][0] * d[0] + h[1][1] * d[1],
            ];
            assert_all_close(&hv.flat(), &want, 1e-12, &format!("H·{d:?}"));
        }
    }
}

#[derive(Clone, Copy, Debug, Differentiable)]
struct Pair32 {
    s: f32,
    t: f32,
}

#[differentiable(hessian)]
fn bump32(p: Pair32, a: f32) -> Pair32 {
    Pair32 { s: p.s * a, ..p }
}

/// `s·t` of `bump32(Pair32 { a, a·b }, b)`: `ab·ab = a²b²`.
#[differentiable(hessian)]
fn through_bump32(a: f32, b: f32) -> f32 {
    let Pair32 { s, t } = bump32(Pair32 { s: a, t: a * b }, b);
    s * t
}

#[test]
fn f32_struct_result_with_base() {
    let (a, b) = (0.8_f32, -0.6_f32);
    let (v, g, h) = through_bump32_hessian(a, b);
    assert_eq!((v, g), through_bump32_grad(a, b));
    let (a, b) = (f64::from(a), f64::from(b));
    let want = [2.0 * b * b, 4.0 * a * b, 4.0 * a * b, 2.0 * a * a];
    assert_all_close(&h.flat(), &want, 1e-5, "f32 hessian");
    assert_symmetric(&rows(h.map(|r| r.map(f64::from))), 1e-6);
}
