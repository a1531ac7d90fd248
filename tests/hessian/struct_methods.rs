//! Hessians through calls of methods and associated functions returning a
//! struct (`Arm { l: a, w: b }.turned(t)`, `Point::polar(r, t)`): the callee
//! has `hessian` (or `hvp`), which gives it `name_vjp_jvp` and the hidden
//! `__name_vjp_jvp` in its `impl` with cotangents of the struct's type;
//! the caller's forward-over-reverse sweep goes through it, the result
//! taken apart by a pattern or bound to a name and read by field.
//!
//! Expected values: closed forms, central differences of the generated
//! gradient, `H·v` from the Hessian and the derivative of the gradient
//! along `v`.

use super::common::{assert_all_close, central_diff, Flat};
use super::{assert_symmetric, numeric_hessian, rows};
use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Debug, Differentiable)]
struct Point {
    x: f64,
    y: f64,
}

impl Point {
    /// Polar to Cartesian, an associated function returning a struct
    /// (naming `Self`, so that the macro knows it is one).
    #[differentiable(hessian)]
    fn polar(r: f64, t: f64) -> Self {
        Point {
            x: r * t.cos(),
            y: r * t.sin(),
        }
    }
}

#[derive(Clone, Copy, Debug, Differentiable)]
struct Arm {
    l: f64,
    w: f64,
}

impl Arm {
    /// The arm turned by `t`: `Point { l·cos t, l·w·sin t }`.
    #[differentiable(hessian)]
    fn turned(&self, t: f64) -> Point {
        Point {
            x: self.l * t.cos(),
            y: self.l * self.w * t.sin(),
        }
    }

    /// A method with `hessian` calling a method returning a struct on a
    /// literal built from its fields: with `L = l·q`, `W = −w`, the point
    /// is `(L cos q, L W sin q)` and the value `x·y + w·x`.
    #[differentiable(hessian)]
    fn swing(&self, q: f64) -> f64 {
        let p = Arm {
            l: self.l * q,
            w: -self.w,
        }
        .turned(q);
        p.x * p.y + self.w * p.x
    }

    /// `hvp` only, with a `#[nograd]` parameter, through `Point::polar`.
    #[differentiable(hvp)]
    fn spread(&self, #[nograd] c: f64) -> f64 {
        let Point { x, y } = Point::polar(self.l * c, self.w * self.l);
        x * x * y + y
    }
}

/// `x·y` of `Arm { l: a·b, w: a }.turned(b)`: `a³b²·cos b·sin b = ½a³b²·sin 2b`.
#[differentiable(hessian)]
fn through_turned(a: f64, b: f64) -> f64 {
    let Point { x, y } = Arm { l: a * b, w: a }.turned(b);
    x * y
}

/// One field of the associated function's result read by name (the
/// other's cotangent zero): `a²sin²(ab) + a`.
#[differentiable(hessian)]
fn through_polar(a: f64, b: f64) -> f64 {
    let p = Point::polar(a, a * b);
    p.y * p.y + a
}

#[test]
fn a_method_returning_a_struct_has_the_closed_form_hessian() {
    for (a, b) in [(0.3_f64, -1.2_f64), (1.7, 0.4), (-0.9, 2.1)] {
        let (v, g, h) = through_turned_hessian(a, b);
        assert_eq!((v, g), through_turned_grad(a, b));
        // f = ½a³·k(b), k = b² sin 2b
        let (s, c) = (2.0 * b).sin_cos();
        let k = b * b * s;
        let k1 = 2.0 * b * s + 2.0 * b * b * c;
        let k2 = 2.0 * s + 8.0 * b * c - 4.0 * b * b * s;
        let want = [
            3.0 * a * k,
            1.5 * a * a * k1,
            1.5 * a * a * k1,
            0.5 * a * a * a * k2,
        ];
        assert_all_close(&h.flat(), &want, 1e-12, &format!("turned ({a}, {b})"));
        let fd = numeric_hessian(|p| through_turned_grad(p[0], p[1]).1.flat(), &[a, b]);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, "turned finite differences");
        let (_, g2, hv) = through_turned_hvp(a, b, (0.5, -1.0));
        assert_eq!(g, g2);
        let hd = [0.5 * want[0] - want[1], 0.5 * want[2] - want[3]];
        assert_all_close(&hv.flat(), &hd, 1e-12, "turned H·v");
    }
}

#[test]
fn an_associated_function_returning_a_struct_read_by_field() {
    for (a, b) in [(0.3_f64, -1.2_f64), (1.1, 0.6)] {
        let (v, g, h) = through_polar_hessian(a, b);
        assert_eq!((v, g), through_polar_grad(a, b));
        // f = a²·sin²(ab) + a = ½a²(1 − cos 2ab) + a
        let (s, c) = (2.0 * a * b).sin_cos();
        let want = [
            1.0 - c + 4.0 * a * b * s + 2.0 * a * a * b * b * c,
            3.0 * a * a * s + 2.0 * a * a * a * b * c,
            3.0 * a * a * s + 2.0 * a * a * a * b * c,
            2.0 * a * a * a * a * c,
        ];
        assert_all_close(&h.flat(), &want, 1e-12, &format!("polar ({a}, {b})"));
        let fd = numeric_hessian(|p| through_polar_grad(p[0], p[1]).1.flat(), &[a, b]);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, "polar finite differences");
        assert_symmetric(&rows(h), 1e-12);
        let d = [0.5, -2.0];
        let (_, _, hv) = through_polar_hvp(a, b, (d[0], d[1]));
        let along: Vec<f64> = (0..2)
            .map(|i| {
                central_diff(
                    |t| through_polar_grad(a + t * d[0], b + t * d[1]).1.flat()[i],
                    0.0,
                )
            })
            .collect();
        assert_all_close(&hv.flat(), &along, 1e-6, "polar gradient along v");
    }
}

#[test]
fn a_method_with_hessian_calling_a_method_returning_a_struct() {
    let q = 0.7;
    for arm in [Arm { l: 1.3, w: -0.4 }, Arm { l: -0.6, w: 2.2 }] {
        let (l, w) = (arm.l, arm.w);
        // x = l q cos q, y = −l q w sin q: f = −l²q²w·cos q·sin q + w·l q cos q
        let f =
            |l: f64, w: f64, q: f64| -l * l * q * q * w * q.cos() * q.sin() + w * l * q * q.cos();
        let (v, g) = arm.swing_grad(q);
        assert_all_close(&[v], &[f(l, w, q)], 1e-14, "value");
        let grad = |p: &[f64]| {
            let (_, g) = Arm { l: p[0], w: p[1] }.swing_grad(p[2]);
            vec![g.0.l, g.0.w, g.1]
        };
        assert_all_close(
            &grad(&[l, w, q]),
            &[
                central_diff(|t| f(t, w, q), l),
                central_diff(|t| f(l, t, q), w),
                central_diff(|t| f(l, w, t), q),
            ],
            1e-7,
            "gradient",
        );
        let fd = numeric_hessian(grad, &[l, w, q]);
        let d = [0.4, -1.1, 0.6];
        let (_, g2, hv) = arm.swing_hvp(q, (Arm { l: d[0], w: d[1] }, d[2]));
        assert_eq!((g.0.l, g.0.w, g.1), (g2.0.l, g2.0.w, g2.1));
        let want: Vec<f64> = fd
            .iter()
            .map(|r| r.iter().zip(&d).map(|(a, b)| a * b).sum())
            .collect();
        assert_all_close(&[hv.0.l, hv.0.w, hv.1], &want, 1e-6, "H·v");
        let (_, _, h) = arm.swing_hessian(q);
        assert_symmetric(&rows(h), 1e-12);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, "hessian");
    }
}

#[test]
fn an_hvp_method_through_an_associated_function_returning_a_struct() {
    let c = 1.4;
    let arm = Arm { l: 0.8, w: -0.5 };
    // r = l c, t = w l: x = r cos t, y = r sin t, f = x²y + y
    let f = |l: f64, w: f64| {
        let (r, t) = (l * c, w * l);
        let (x, y) = (r * t.cos(), r * t.sin());
        x * x * y + y
    };
    let grad = |p: &[f64]| {
        let (_, g) = Arm { l: p[0], w: p[1] }.spread_grad(c);
        vec![g.l, g.w]
    };
    assert_all_close(
        &grad(&[arm.l, arm.w]),
        &[
            central_diff(|t| f(t, arm.w), arm.l),
            central_diff(|t| f(arm.l, t), arm.w),
        ],
        1e-7,
        "gradient",
    );
    let fd = numeric_hessian(grad, &[arm.l, arm.w]);
    for d in [[1.0, 0.0], [0.0, 1.0], [0.3, -2.0]] {
        let (_, _, hv) = arm.spread_hvp(c, Arm { l: d[0], w: d[1] });
        let want: Vec<f64> = fd
            .iter()
            .map(|r| r.iter().zip(&d).map(|(a, b)| a * b).sum())
            .collect();
        assert_all_close(&[hv.l, hv.w], &want, 1e-6, &format!("H·{d:?}"));
    }
}

#[test]
fn the_methods_own_vjp_jvp_matches_finite_differences_of_its_vjp() {
    // uᵀ·∂turned and its tangent along (l̇, ẇ, ṫ) and u̇
    let (arm, t) = (Arm { l: 1.3, w: -0.7 }, 0.4_f64);
    let u = Point { x: 0.7, y: -1.1 };
    let u_dot = Point { x: -0.2, y: 0.5 };
    let dir = (Arm { l: 0.6, w: 0.9 }, -1.4);
    let (value, grad, tangent) = arm.turned_vjp_jvp(t, u, dir, u_dot);
    assert_eq!((value.x, value.y), (1.3 * t.cos(), 1.3 * -0.7 * t.sin()));
    let (_, want) = arm.turned_vjp(t, u);
    assert_eq!((grad.0.l, grad.0.w, grad.1), (want.0.l, want.0.w, want.1));
    let fd = |i: usize| {
        central_diff(
            |e| {
                let c = Point {
                    x: u.x + e * u_dot.x,
                    y: u.y + e * u_dot.y,
                };
                let a = Arm {
                    l: arm.l + e * dir.0.l,
                    w: arm.w + e * dir.0.w,
                };
                let g = a.turned_vjp(t + e * dir.1, c).1;
                [g.0.l, g.0.w, g.1][i]
            },
            0.0,
        )
    };
    assert_all_close(
        &[tangent.0.l, tangent.0.w, tangent.1],
        &[fd(0), fd(1), fd(2)],
        1e-7,
        "vjp_jvp",
    );
}

#[derive(Clone, Copy, Debug, Differentiable)]
struct Pair32 {
    s: f32,
    t: f32,
}

impl Pair32 {
    #[differentiable(hessian)]
    fn make(a: f32, b: f32) -> Self {
        Pair32 { s: a * b, t: a - b }
    }
}

/// `s·t + s² = ab(a − b) + a²b²` in f32.
#[differentiable(hessian)]
fn through_pair32(a: f32, b: f32) -> f32 {
    let Pair32 { s, t } = Pair32::make(a, b);
    s * t + s * s
}

#[test]
fn f32_associated_function_returning_a_struct() {
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
