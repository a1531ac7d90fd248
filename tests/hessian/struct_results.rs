//! Hessians through calls of free helpers returning a struct: the helper
//! has `hessian` (or `hvp`), which gives it `name_vjp_jvp` (and the hidden
//! `name::vjp_jvp`) with cotangents of the struct's type; the caller's
//! forward-over-reverse sweep goes through it, with the struct taken
//! apart by a pattern or bound to a name and read by field (the fields
//! not read have a zero cotangent).
//!
//! Expected values: closed forms, central differences of the generated
//! gradient, `H·v` from the Hessian and the derivative of the gradient
//! along `v`.

use super::common::{assert_all_close, central_diff, Flat};
use super::{assert_symmetric, numeric_hessian};
use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Debug, Differentiable)]
struct Point {
    x: f64,
    y: f64,
}

/// Polar to Cartesian.
#[differentiable(hessian)]
fn to_xy(r: f64, t: f64) -> Point {
    Point {
        x: r * t.cos(),
        y: r * t.sin(),
    }
}

/// `x·y` of `to_xy(a·b, b)`: `½a²b²·sin 2b`.
#[differentiable(hessian)]
fn by_pattern(a: f64, b: f64) -> f64 {
    let Point { x, y } = to_xy(a * b, b);
    x * y
}

/// One field read by name (the other's cotangent zero): `a²sin²(ab) + a`.
#[differentiable(hessian)]
fn by_field(a: f64, b: f64) -> f64 {
    let p = to_xy(a, a * b);
    p.y * p.y + a
}

#[test]
fn a_struct_result_has_the_closed_form_hessian() {
    for (a, b) in [(0.3_f64, -1.2_f64), (1.7, 0.4), (-0.9, 2.1)] {
        let (v, g, h) = by_pattern_hessian(a, b);
        assert_eq!((v, g), by_pattern_grad(a, b));
        // f = ½a²·k(b), k = b² sin 2b
        let (s, c) = (2.0 * b).sin_cos();
        let k = b * b * s;
        let k1 = 2.0 * b * s + 2.0 * b * b * c;
        let k2 = 2.0 * s + 8.0 * b * c - 4.0 * b * b * s;
        let want = [k, a * k1, a * k1, 0.5 * a * a * k2];
        assert_all_close(&h.flat(), &want, 1e-12, &format!("pattern ({a}, {b})"));
        let fd = numeric_hessian(|p| by_pattern_grad(p[0], p[1]).1.flat(), &[a, b]);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, "pattern finite differences");
        let (_, g2, hv) = by_pattern_hvp(a, b, (0.5, -1.0));
        assert_eq!(g, g2);
        let hd = [0.5 * want[0] - want[1], 0.5 * want[2] - want[3]];
        assert_all_close(&hv.flat(), &hd, 1e-12, "pattern H·v");
    }
}

#[test]
fn a_struct_result_read_by_field_has_the_closed_form_hessian() {
    for (a, b) in [(0.3_f64, -1.2_f64), (1.1, 0.6)] {
        let (v, g, h) = by_field_hessian(a, b);
        assert_eq!((v, g), by_field_grad(a, b));
        // f = a²·sin²(ab) + a = ½a²(1 − cos 2ab) + a
        let (s, c) = (2.0 * a * b).sin_cos();
        let want = [
            1.0 - c + 4.0 * a * b * s + 2.0 * a * a * b * b * c,
            3.0 * a * a * s + 2.0 * a * a * a * b * c,
            3.0 * a * a * s + 2.0 * a * a * a * b * c,
            2.0 * a * a * a * a * c,
        ];
        assert_all_close(&h.flat(), &want, 1e-12, &format!("field ({a}, {b})"));
        let fd = numeric_hessian(|p| by_field_grad(p[0], p[1]).1.flat(), &[a, b]);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, "field finite differences");
    }
}

#[derive(Clone, Copy, Debug, Differentiable)]
struct Body {
    pos: [f64; 2],
    at: Point,
    m: f64,
}

/// A struct with an array field and a nested struct, from an array, a
/// struct literal argument and a `#[nograd]` scale.
#[differentiable(hessian)]
fn body(q: [f64; 2], p: Point, #[nograd] c: f64) -> Body {
    Body {
        pos: [q[0] * q[1], c * q[1].sin()],
        at: Point {
            x: p.x * q[0],
            y: p.y.exp(),
        },
        m: p.x * p.y,
    }
}

/// Through a nested pattern and reads by field (an array field's element
/// among them), `hvp` only.
#[differentiable(hvp)]
fn energy(a: f64, b: f64, d: f64) -> f64 {
    let Body {
        at: Point { x, .. },
        m,
        ..
    } = body([a, b], Point { x: d * a, y: b }, 1.5);
    let e = body([b, d], Point { x: a, y: a * d }, 0.5);
    m * x + x * x * e.pos[1] + e.m * e.at.y + e.pos[0]
}

/// `energy` written out by hand, for finite differences of the value.
fn energy_by_hand(a: f64, b: f64, d: f64) -> f64 {
    let (x, m) = (d * a * a, d * a * b);
    let (pos, em, ey) = ([b * d, 0.5 * d.sin()], a * a * d, (a * d).exp());
    m * x + x * x * pos[1] + em * ey + pos[0]
}

#[test]
fn nested_struct_results_match_finite_differences() {
    for p in [[0.3_f64, -1.2, 0.7], [1.1, 0.6, -0.4]] {
        let (v, g) = energy_grad(p[0], p[1], p[2]);
        assert_all_close(&[v], &[energy_by_hand(p[0], p[1], p[2])], 1e-14, "value");
        let fd_g = [
            central_diff(|t| energy_by_hand(t, p[1], p[2]), p[0]),
            central_diff(|t| energy_by_hand(p[0], t, p[2]), p[1]),
            central_diff(|t| energy_by_hand(p[0], p[1], t), p[2]),
        ];
        assert_all_close(&g.flat(), &fd_g, 1e-7, "gradient");
        let fd = numeric_hessian(|q| energy_grad(q[0], q[1], q[2]).1.flat(), &p);
        assert_symmetric(&fd, 1e-5);
        for d in [
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
            [0.5, -2.0, 0.25],
        ] {
            let (_, g2, hv) = energy_hvp(p[0], p[1], p[2], (d[0], d[1], d[2]));
            assert_eq!(g, g2);
            let want: Vec<f64> = fd
                .iter()
                .map(|r| r.iter().zip(&d).map(|(a, b)| a * b).sum())
                .collect();
            assert_all_close(&hv.flat(), &want, 1e-6, &format!("H·{d:?}"));
            let along: Vec<f64> = (0..3)
                .map(|i| {
                    central_diff(
                        |t| {
                            let q: Vec<f64> = p.iter().zip(d).map(|(x, e)| x + t * e).collect();
                            energy_grad(q[0], q[1], q[2]).1.flat()[i]
                        },
                        0.0,
                    )
                })
                .collect();
            assert_all_close(&hv.flat(), &along, 1e-6, "gradient along v");
        }
    }
}

#[derive(Clone, Copy, Debug, Differentiable)]
struct Pair32 {
    s: f32,
    t: f32,
}

#[differentiable(hessian)]
fn pair32(a: f32, b: f32) -> Pair32 {
    Pair32 { s: a * b, t: a - b }
}

/// `s·t + s² = ab(a − b) + a²b²` in f32.
#[differentiable(hessian)]
fn through_pair32(a: f32, b: f32) -> f32 {
    let Pair32 { s, t } = pair32(a, b);
    s * t + s * s
}

#[test]
fn f32_struct_result() {
    let (a, b) = (0.8_f32, -0.6_f32);
    let (v, g, h) = through_pair32_hessian(a, b);
    assert_eq!((v, g), through_pair32_grad(a, b));
    let (a, b) = (f64::from(a), f64::from(b));
    // f = a²b − ab² + a²b²
    let want = [
        2.0 * b + 2.0 * b * b,
        2.0 * a - 2.0 * b + 4.0 * a * b,
        2.0 * a - 2.0 * b + 4.0 * a * b,
        -2.0 * a + 2.0 * a * a,
    ];
    assert_all_close(&h.flat(), &want, 1e-5, "f32 hessian");
    assert_eq!(h[0][1], h[1][0]);
}

#[test]
fn the_helpers_own_vjp_jvp_matches_finite_differences_of_its_vjp() {
    // g(r, t) = uᵀ·∂to_xy, its tangent along (ṙ, ṫ) and u̇
    let (r, t) = (1.3_f64, 0.4_f64);
    let u = Point { x: 0.7, y: -1.1 };
    let u_dot = Point { x: -0.2, y: 0.5 };
    let dir = (0.6, -1.4);
    let (value, grad, tangent) = to_xy_vjp_jvp(r, t, u, dir, u_dot);
    assert_eq!((value.x, value.y), (r * t.cos(), r * t.sin()));
    let (_, want) = to_xy_vjp(r, t, u);
    assert_eq!(grad, want);
    let fd = |i: usize| {
        central_diff(
            |e| {
                let c = Point {
                    x: u.x + e * u_dot.x,
                    y: u.y + e * u_dot.y,
                };
                let g = to_xy_vjp(r + e * dir.0, t + e * dir.1, c).1;
                [g.0, g.1][i]
            },
            0.0,
        )
    };
    assert_all_close(&tangent.flat(), &[fd(0), fd(1)], 1e-7, "vjp_jvp");
}
