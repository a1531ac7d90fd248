//! Hessians through calls of methods and associated functions returning
//! one float (`Spring { k: a, x: b }.energy(y)`, `Spring::pot(s, y)` with
//! struct literals built from floats): the call's second derivative is the
//! callee's HVP through its hidden `__f_hvp_pullback`, with a direction of
//! the receiver's own type.
//!
//! Expected values: closed forms and central differences of the generated
//! gradient.

use super::common::{assert_all_close, Flat};
use super::{assert_symmetric, numeric_hessian, rows};
use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Debug, Differentiable)]
struct Spring {
    k: f64,
    x: f64,
}

impl Spring {
    /// ½·k·x²·y
    #[differentiable(hessian)]
    fn energy(&self, y: f64) -> f64 {
        0.5 * self.k * self.x * self.x * y
    }

    /// k·sin(x)·y
    #[differentiable(hessian)]
    fn pot(s: Self, y: f64) -> f64 {
        s.k * s.x.sin() * y
    }

    /// A method with `hessian` calling another on a literal built from
    /// its fields: ½·k·x²·y² (`x: -self.x` is a float computed; a field
    /// copied as written, `x: self.x`, is a part of `self` passed on).
    #[differentiable(hessian)]
    fn scaled(&self, y: f64) -> f64 {
        Spring {
            k: self.k * y,
            x: -self.x,
        }
        .energy(y)
    }

    /// `Self::pot` through `Self::`, with a `#[nograd]` parameter:
    /// −2c·k·y·sin x. (An argument `self.x` written as it is would be a
    /// part of `self` passed on: the macro cannot see it is a float.)
    #[differentiable(hessian)]
    fn via_self(&self, y: f64, #[nograd] c: f64) -> f64 {
        c * Self::pot(
            Spring {
                k: 2.0 * self.k,
                x: -self.x,
            },
            y,
        )
    }
}

/// `½a²b³ + b` through a method call on a literal receiver.
#[differentiable(hessian)]
fn through_method(a: f64, b: f64) -> f64 {
    Spring { k: a, x: b }.energy(a * b) + b
}

/// `ab²·sin a` through an associated function.
#[differentiable(hessian)]
fn through_assoc(a: f64, b: f64) -> f64 {
    Spring::pot(Spring { k: a * b, x: a }, b)
}

/// Both, in a run-time loop over data, `hvp` only.
#[differentiable(hvp)]
fn in_a_loop(a: f64, b: f64, #[nograd] ys: &[f64]) -> f64 {
    let mut s = 0.0;
    for &y in ys {
        s += Spring { k: a, x: b * y }.energy(y) + pot_free(a, y);
    }
    s
}

#[differentiable(hessian)]
fn pot_free(a: f64, y: f64) -> f64 {
    Spring::pot(Spring { k: y, x: a }, a)
}

#[test]
fn method_calls_match_the_closed_form_and_finite_differences() {
    for (a, b) in [(0.3_f64, -1.2_f64), (1.7, 0.4), (-2.0, 0.9)] {
        let (v, g, h) = through_method_hessian(a, b);
        assert_eq!((v, g), through_method_grad(a, b));
        let want = [b * b * b, 3.0 * a * b * b, 3.0 * a * b * b, 3.0 * a * a * b];
        assert_all_close(&h.flat(), &want, 1e-12, &format!("method ({a}, {b})"));
        let (_, _, hv) = through_method_hvp(a, b, (0.5, -1.0));
        let hd = [0.5 * want[0] - want[1], 0.5 * want[2] - want[3]];
        assert_all_close(&hv.flat(), &hd, 1e-12, "method H·v");

        let (v, g, h) = through_assoc_hessian(a, b);
        assert_eq!((v, g), through_assoc_grad(a, b));
        let (s, c) = a.sin_cos();
        let want = [
            b * b * (2.0 * c - a * s),
            2.0 * b * (s + a * c),
            2.0 * b * (s + a * c),
            2.0 * a * s,
        ];
        assert_all_close(&h.flat(), &want, 1e-12, &format!("assoc ({a}, {b})"));
        let fd = numeric_hessian(|q| through_assoc_grad(q[0], q[1]).1.flat(), &[a, b]);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, "assoc finite differences");
        assert_symmetric(&rows(h), 1e-12);
    }
}

#[test]
fn a_method_with_hessian_calling_a_method() {
    // f(k, x, y) = ½ k x² y²; directions of the receiver's own type
    let s = Spring { k: 1.3, x: -0.7 };
    let y = 0.9;
    let (v, g) = s.scaled_grad(y);
    assert_all_close(&[v], &[0.5 * s.k * s.x * s.x * y * y], 1e-14, "value");
    let (k, x) = (s.k, s.x);
    // H over (k, x, y)
    let h = [
        [0.0, x * y * y, x * x * y],
        [x * y * y, k * y * y, 2.0 * k * x * y],
        [x * x * y, 2.0 * k * x * y, k * x * x],
    ];
    let d = [0.4, -1.1, 0.6];
    let (_, g2, hv) = s.scaled_hvp(y, (Spring { k: d[0], x: d[1] }, d[2]));
    assert_eq!(g.1, g2.1);
    assert_eq!((g.0.k, g.0.x), (g2.0.k, g2.0.x));
    let want: Vec<f64> = h
        .iter()
        .map(|r| r.iter().zip(&d).map(|(a, b)| a * b).sum())
        .collect();
    assert_all_close(&[hv.0.k, hv.0.x, hv.1], &want, 1e-12, "H·v");
    let (_, _, hm) = s.scaled_hessian(y);
    assert_symmetric(&rows(hm), 1e-12);
}

#[test]
fn method_calls_in_a_run_time_loop() {
    let ys = [0.5, -1.5, 2.0];
    for (a, b) in [(0.3_f64, -1.2_f64), (1.1, 0.6)] {
        let (_, g, hv) = in_a_loop_hvp(a, b, &ys, (1.0, 0.0));
        assert_eq!(g, in_a_loop_grad(a, b, &ys).1);
        let (_, _, hv2) = in_a_loop_hvp(a, b, &ys, (0.0, 1.0));
        let fd = numeric_hessian(|q| in_a_loop_grad(q[0], q[1], &ys).1.flat(), &[a, b]);
        assert_all_close(&[hv.0, hv.1, hv2.0, hv2.1], &fd.concat(), 1e-6, "loop");
    }
}

#[derive(Clone, Copy, Debug, Differentiable)]
struct Bead {
    m: f32,
    z: f32,
}

impl Bead {
    /// m·cos(z)
    #[differentiable(hessian)]
    fn height(&self) -> f32 {
        self.m * self.z.cos()
    }
}

/// `a·cos(a·b)` in f32.
#[differentiable(hessian)]
fn bead_f32(a: f32, b: f32) -> f32 {
    Bead { m: a, z: a * b }.height()
}

#[test]
fn f32_method_call() {
    let (a, b) = (0.8_f32, -0.6_f32);
    let (v, g, h) = bead_f32_hessian(a, b);
    assert_eq!((v, g), bead_f32_grad(a, b));
    let (a, b) = (f64::from(a), f64::from(b));
    let (s, c) = (a * b).sin_cos();
    // f = a cos(ab): f_aa = −2b sin − ab² cos, f_ab = −2a sin − a²b cos, f_bb = −a³ cos
    let want = [
        -2.0 * b * s - a * b * b * c,
        -2.0 * a * s - a * a * b * c,
        -2.0 * a * s - a * a * b * c,
        -a * a * a * c,
    ];
    assert_all_close(&h.flat(), &want, 1e-5, "f32 hessian");
    assert_eq!(h[0][1], h[1][0]);
}

#[test]
fn an_associated_function_called_through_self() {
    let (y, c) = (0.8, 1.7);
    for s in [Spring { k: 1.3, x: -0.7 }, Spring { k: -0.4, x: 2.1 }] {
        let (k, x) = (s.k, s.x);
        let (sn, cs) = x.sin_cos();
        let (v, g) = s.via_self_grad(y, c);
        assert_all_close(&[v], &[-2.0 * c * k * y * sn], 1e-14, "value");
        let g_want = [-2.0 * c * y * sn, -2.0 * c * k * y * cs, -2.0 * c * k * sn];
        assert_all_close(&[g.0.k, g.0.x, g.1], &g_want, 1e-12, "gradient");
        // H over (k, x, y) of −2c·k·y·sin x
        let m = -2.0 * c;
        let h = [
            [0.0, m * y * cs, m * sn],
            [m * y * cs, -m * k * y * sn, m * k * cs],
            [m * sn, m * k * cs, 0.0],
        ];
        let d = [0.3, -1.2, 0.5];
        let (_, _, hv) = s.via_self_hvp(y, c, (Spring { k: d[0], x: d[1] }, d[2]));
        let want: Vec<f64> = h
            .iter()
            .map(|r| r.iter().zip(&d).map(|(a, b)| a * b).sum())
            .collect();
        assert_all_close(&[hv.0.k, hv.0.x, hv.1], &want, 1e-12, "H·v");
    }
}

/// `2c·a² + c·sin(2)·a` through a method and an associated function whose
/// struct-literal arguments depend on no differentiable input (their
/// directions the struct's zero).
#[differentiable(hessian)]
fn constant_receiver(a: f64, #[nograd] c: f64) -> f64 {
    Spring { k: c, x: 2.0 }.energy(a) * a + Spring::pot(Spring { k: c, x: 2.0 }, a)
}

#[test]
fn struct_literals_without_differentiable_input() {
    for (a, c) in [(0.3_f64, -1.2_f64), (1.7, 0.4)] {
        // f' = 4c·a + c·sin 2, f'' = 4c
        let (_, g, h) = constant_receiver_hessian(a, c);
        let want = 4.0 * c * a + c * 2.0_f64.sin();
        assert_all_close(&g.flat(), &[want], 1e-12, "gradient");
        assert_all_close(&h.flat(), &[4.0 * c], 1e-12, &format!("({a}, {c})"));
    }
}
