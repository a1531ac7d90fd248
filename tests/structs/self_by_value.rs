//! Associated functions taking the struct by value (`fn pot(s: Self, …)`),
//! called from differentiable bodies with the value behind a reference:
//! `Self::pot(*self, h)`, `Osc::adv(*self, k, h)`, `Osc::pot(*r, h)` for
//! a parameter `r: &Osc`, and literals copying the rest from it
//! (`Osc { v: 1.0, ..*self }`). Checked in f64 and f32 against closed
//! forms and central differences, reverse and forward mode.

use super::*;
use common::central_diff;

macro_rules! osc {
    ($F:ident) => {
        use macrograd::{differentiable, Differentiable};

        /// An oscillator's state.
        #[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
        pub struct Osc {
            pub x: $F,
            pub v: $F,
        }

        impl Osc {
            /// Takes the state by value: h·x² + v.
            #[differentiable]
            pub fn pot(s: Self, #[nograd] h: $F) -> $F {
                s.x * s.x * h + s.v
            }

            /// Takes the state by value and returns one: x' = x + h·v,
            /// v' = v − k·x².
            #[differentiable]
            pub fn adv(s: Self, k: $F, #[nograd] h: $F) -> Self {
                Osc {
                    x: s.x + h * s.v,
                    v: s.v - k * s.x * s.x,
                }
            }

            /// `Self::pot(*self, h)`: (h·x² + v)·x.
            #[differentiable]
            pub fn run_pot(&self, #[nograd] h: $F) -> $F {
                Self::pot(*self, h) * self.x
            }

            /// `Osc::adv(*self, k, h)`, one field of its result: w²·x with
            /// w = v − k·x².
            #[differentiable]
            pub fn run_adv(&self, k: $F, #[nograd] h: $F) -> $F {
                let Osc { v, .. } = Osc::adv(*self, k, h);
                v * v * self.x
            }

            /// Literals taking the rest from `*self`: (h·x² + 1) + (h·v² + v).
            #[differentiable]
            pub fn run_lit(&self, #[nograd] h: $F) -> $F {
                Self::pot(Osc { v: 1.0, ..*self }, h) + Self::pot(Osc { x: self.v, ..*self }, h)
            }

            /// A receiver by value passed on as it is: (h·x² + v)·v.
            #[differentiable]
            pub fn run_val(self, #[nograd] h: $F) -> $F {
                Self::pot(self, h) * self.v
            }
        }

        /// A free function with the struct by reference: (h·x² + v)·v.
        #[differentiable]
        pub fn free_pot(r: &Osc, #[nograd] h: $F) -> $F {
            Osc::pot(*r, h) * r.v
        }
    };
}

mod m64 {
    osc!(f64);
}

mod m32 {
    osc!(f32);
}

fn osc64(p: &[f64]) -> m64::Osc {
    m64::Osc { x: p[0], v: p[1] }
}

fn osc32(p: &[f32]) -> m32::Osc {
    m32::Osc { x: p[0], v: p[1] }
}

const POINTS: [[f64; 2]; 3] = [[0.3, -1.2], [1.7, 0.4], [-2.0, 0.9]];

/// A direction for the JVPs.
const T: [f64; 2] = [0.6, -0.8];

/// Checks one method of signature `(&self, h) -> F`: value, gradient
/// (f64 and f32, closed form and central differences) and J·t.
macro_rules! check_method {
    ($name:ident, $grad:ident, $jvp:ident, $value:expr, $expected:expr) => {{
        let h = 0.25;
        for p @ [x, v] in POINTS {
            let (val, d) = osc64(&p).$grad(h);
            let value: fn(f64, f64, f64) -> f64 = $value;
            let expected: fn(f64, f64, f64) -> [f64; 2] = $expected;
            let e = expected(x, v, h);
            assert_all_close(&[val], &[value(x, v, h)], TOL_64, stringify!($name));
            let (_, d32) = osc32(&[x as f32, v as f32]).$grad(h as f32);
            check_both_floats(
                stringify!($name),
                &p,
                &[d.x, d.v],
                &[d32.x, d32.v],
                |z| osc64(z).$name(h),
                |z| osc32(z).$name(h as f32),
                &e,
            );
            let (_, jt) = osc64(&p).$jvp(h, osc64(&T));
            let jt_expected = e[0] * T[0] + e[1] * T[1];
            assert_all_close(&[jt], &[jt_expected], TOL_64, stringify!($jvp));
            let along = |s: f64| osc64(&[x + s * T[0], v + s * T[1]]).$name(h);
            assert_all_close(&[jt], &[central_diff(along, 0.0)], 1e-8, "J·t central");
            let (_, jt32) = osc32(&[x as f32, v as f32]).$jvp(h as f32, osc32(&[0.6, -0.8]));
            assert_all_close(&[jt32.into()], &[jt_expected], 1e-4, "f32 J·t");
        }
    }};
}

#[test]
fn receiver_dereferenced_into_a_by_value_parameter() {
    check_method!(
        run_pot,
        run_pot_grad,
        run_pot_jvp,
        |x, v, h| (h * x * x + v) * x,
        |x, v, h| [3.0 * h * x * x + v, x]
    );
}

#[test]
fn receiver_by_value_passed_on() {
    check_method!(
        run_val,
        run_val_grad,
        run_val_jvp,
        |x, v, h| (h * x * x + v) * v,
        |x, v, h| [2.0 * h * x * v, h * x * x + 2.0 * v]
    );
}

#[test]
fn literals_taking_the_rest_from_the_dereferenced_receiver() {
    check_method!(
        run_lit,
        run_lit_grad,
        run_lit_jvp,
        |x, v, h| h * x * x + 1.0 + h * v * v + v,
        |x, v, h| [2.0 * h * x, 2.0 * h * v + 1.0]
    );
}

#[test]
fn dereferenced_receiver_into_a_function_returning_a_struct() {
    let h = 0.5;
    for p @ [x, v] in POINTS {
        for k in [0.7_f64, -1.3] {
            // w = v − kx², f = w²·x
            let w = v - k * x * x;
            let expected = [
                w * w - 4.0 * k * x * x * w,
                2.0 * w * x,
                -2.0 * w * x * x * x,
            ];
            let (val, (d, dk)) = osc64(&p).run_adv_grad(k, h);
            assert_all_close(&[val], &[w * w * x], TOL_64, "run_adv value");
            let (_, (d32, dk32)) = osc32(&[x as f32, v as f32]).run_adv_grad(k as f32, h as f32);
            check_both_floats(
                "run_adv",
                &[x, v, k],
                &[d.x, d.v, dk],
                &[d32.x, d32.v, dk32],
                |z| osc64(z).run_adv(z[2], h),
                |z| osc32(z).run_adv(z[2], h as f32),
                &expected,
            );
            let tk = 0.9;
            let (_, jt) = osc64(&p).run_adv_jvp(k, h, (osc64(&T), tk));
            let jt_expected = expected[0] * T[0] + expected[1] * T[1] + expected[2] * tk;
            assert_all_close(&[jt], &[jt_expected], TOL_64, "run_adv J·t");
        }
    }
}

#[test]
fn dereferenced_parameter_in_a_free_function() {
    let h = 0.25;
    for p @ [x, v] in POINTS {
        let expected = [2.0 * h * x * v, h * x * x + 2.0 * v];
        let (val, d) = m64::free_pot_grad(&osc64(&p), h);
        assert_all_close(&[val], &[(h * x * x + v) * v], TOL_64, "free_pot value");
        let (_, d32) = m32::free_pot_grad(&osc32(&[x as f32, v as f32]), h as f32);
        check_both_floats(
            "free_pot",
            &p,
            &[d.x, d.v],
            &[d32.x, d32.v],
            |z| m64::free_pot(&osc64(z), h),
            |z| m32::free_pot(&osc32(z), h as f32),
            &expected,
        );
        let (_, jt) = m64::free_pot_jvp(&osc64(&p), h, osc64(&T));
        assert_all_close(
            &[jt],
            &[expected[0] * T[0] + expected[1] * T[1]],
            TOL_64,
            "free_pot J·t",
        );
    }
}
