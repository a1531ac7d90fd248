//! Hessians through calls of methods and associated functions returning
//! several floats (`Arm { l: a * b, w: a }.tip(b)`, `Arm::polar(r, t)`):
//! the callee has `hessian` (or `hvp`), which gives it a hidden
//! `__f_vjp_jvp` in its `impl`, the tangent of its VJP; the caller's
//! forward-over-reverse sweep goes through it.
//!
//! Expected values: closed forms, central differences of the generated
//! gradient, `H·v` from the Hessian and the derivative of the gradient
//! along `v`.

use super::common::{assert_all_close, central_diff, Flat};
use super::{assert_symmetric, numeric_hessian, rows};
use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Debug, Differentiable)]
struct Arm {
    l: f64,
    w: f64,
}

impl Arm {
    /// The tip of the arm at angle `q`: `[l·cos q, l·w·sin q]`.
    #[differentiable(hessian)]
    fn tip(&self, q: f64) -> [f64; 2] {
        [self.l * q.cos(), self.l * self.w * q.sin()]
    }

    /// A point of the ellipse of half-axes `l`, `w` at angle `t`, as a
    /// tuple: an associated function.
    #[differentiable(hessian)]
    fn polar(p: Self, t: f64) -> (f64, f64) {
        (p.l * t.cos(), p.w * t.sin())
    }

    /// A method with `hessian` calling a vector method on a literal built
    /// from its fields: with `L = l·q`, `W = −w`, the tip is
    /// `[L cos q, L W sin q]` and the value `x·y + w·x`.
    #[differentiable(hessian)]
    fn swing(&self, q: f64) -> f64 {
        let [x, y] = Arm {
            l: self.l * q,
            w: -self.w,
        }
        .tip(q);
        x * y + self.w * x
    }

    /// `hvp` only, with a `#[nograd]` parameter: the caller's
    /// `Self::polar`.
    #[differentiable(hvp)]
    fn spread(&self, #[nograd] c: f64) -> f64 {
        let (x, y) = Self::polar(
            Arm {
                l: self.l * c,
                w: self.w * self.l,
            },
            self.w * c,
        );
        x * x * y + y
    }
}

/// `x·y` of the tip of `Arm { l: a·b, w: a }` at angle `b`:
/// `a³b²·cos b·sin b = ½a³b²·sin 2b`.
#[differentiable(hessian)]
fn through_tip(a: f64, b: f64) -> f64 {
    let [x, y] = Arm { l: a * b, w: a }.tip(b);
    x * y
}

/// Through the associated function's tuple, and a scalar result beside.
#[differentiable(hessian)]
fn through_polar(a: f64, b: f64) -> f64 {
    let (x, y) = Arm::polar(Arm { l: a * b, w: a }, a + b);
    x * y.sin() + x * x
}

#[test]
fn a_vector_method_call_has_the_closed_form_hessian() {
    for (a, b) in [(0.3_f64, -1.2_f64), (1.7, 0.4), (-0.9, 2.1)] {
        let (v, g, h) = through_tip_hessian(a, b);
        assert_eq!((v, g), through_tip_grad(a, b));
        // f = ½a³·b²·sin 2b = ½a³·k(b), k = b² sin 2b
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
        assert_all_close(&h.flat(), &want, 1e-12, &format!("tip ({a}, {b})"));
        let fd = numeric_hessian(|p| through_tip_grad(p[0], p[1]).1.flat(), &[a, b]);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, "tip finite differences");
        let (_, g2, hv) = through_tip_hvp(a, b, (0.5, -1.0));
        assert_eq!(g, g2);
        let hd = [0.5 * want[0] - want[1], 0.5 * want[2] - want[3]];
        assert_all_close(&hv.flat(), &hd, 1e-12, "tip H·v");
    }
}

#[test]
fn an_associated_function_returning_a_tuple_matches_finite_differences() {
    for (a, b) in [(0.3_f64, -1.2_f64), (1.1, 0.6)] {
        let (v, g, h) = through_polar_hessian(a, b);
        assert_eq!((v, g), through_polar_grad(a, b));
        let fd = numeric_hessian(|p| through_polar_grad(p[0], p[1]).1.flat(), &[a, b]);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, &format!("polar ({a}, {b})"));
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
fn a_method_with_hessian_calling_a_vector_method() {
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
fn an_hvp_method_through_an_associated_function_with_a_nograd_parameter() {
    let c = 1.4;
    let arm = Arm { l: 0.8, w: -0.5 };
    let grad = |p: &[f64]| {
        let (_, g) = Arm { l: p[0], w: p[1] }.spread_grad(c);
        vec![g.l, g.w]
    };
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

#[derive(Clone, Copy, Debug, Differentiable)]
struct Bob {
    r: f32,
}

impl Bob {
    /// `[r·cos t, r·sin t]` in f32.
    #[differentiable(hessian)]
    fn at(&self, t: f32) -> [f32; 2] {
        [self.r * t.cos(), self.r * t.sin()]
    }
}

/// `x² + x·y = a²cos²b + a² cos b sin b` in f32.
#[differentiable(hessian)]
fn bob_f32(a: f32, b: f32) -> f32 {
    let [x, y] = Bob { r: a }.at(b);
    x * x + x * y
}

#[test]
fn f32_vector_method_call() {
    let (a, b) = (0.8_f32, -0.6_f32);
    let (v, g, h) = bob_f32_hessian(a, b);
    assert_eq!((v, g), bob_f32_grad(a, b));
    // f = a²·k(b), k = cos²b + ½ sin 2b = ½(1 + cos 2b + sin 2b)
    let (a, b) = (f64::from(a), f64::from(b));
    let (s, c) = (2.0 * b).sin_cos();
    let k = 0.5 * (1.0 + c + s);
    let k1 = c - s;
    let k2 = -2.0 * s - 2.0 * c;
    let want = [2.0 * k, 2.0 * a * k1, 2.0 * a * k1, a * a * k2];
    assert_all_close(&h.flat(), &want, 1e-5, "f32 hessian");
    assert_eq!(h[0][1], h[1][0]);
}
