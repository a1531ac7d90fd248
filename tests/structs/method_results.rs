//! Methods and associated functions returning a struct, called from other
//! differentiable bodies (issue 8 §2 and §3): `let Osc { x, v } =
//! self.step(h);`, `Self::adv(self, h)`, `Osc::adv(&s, h)` in a free
//! function, and a struct variable reassigned by such calls in a run-time
//! loop (`s = s.step(h);`), through the hidden `__step_vjp`/`__step_jvp`
//! of the same `impl`. Checked in f64 and f32 against closed forms and
//! central differences.

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
            /// One explicit Euler step of x'' = -x: linear in the state.
            #[differentiable]
            pub fn step(&self, #[nograd] h: $F) -> Osc {
                Osc {
                    x: self.x + h * self.v,
                    v: self.v - h * self.x,
                }
            }

            /// An associated function returning `Self`, with a float
            /// parameter of its own: x' = x + h·v, v' = v − k·x².
            #[differentiable]
            pub fn adv(s: &Self, k: $F, #[nograd] h: $F) -> Self {
                Osc {
                    x: s.x + h * s.v,
                    v: s.v - k * s.x * s.x,
                }
            }

            /// Calls the method and takes its result apart.
            #[differentiable]
            pub fn run(&self, #[nograd] h: $F) -> $F {
                let Osc { x, v } = self.step(h);
                x * v + x.sin()
            }

            /// Calls the associated function as `Self::adv`, reading one
            /// field of its result (`..`).
            #[differentiable]
            pub fn run_adv(&self, k: $F, #[nograd] h: $F) -> $F {
                let Osc { v, .. } = Self::adv(self, k, h);
                v * v * self.x
            }

            /// A struct variable reassigned by both calls in a run-time
            /// loop: the linear step, then `adv` with k = 0 (also linear).
            #[differentiable]
            pub fn orbit(&self, #[nograd] h: $F, n: usize) -> $F {
                let mut s = Osc {
                    x: self.x,
                    v: self.v,
                };
                for _ in 0..n {
                    s = s.step(h);
                    s = Self::adv(&s, 0.0, h);
                }
                s.x * s.v
            }

            /// Passes `self` on and returns an array: `obs_jacobian` is
            /// assembled from `obs_vjp` calls (3 columns, 2 rows).
            #[differentiable]
            pub fn obs(&self, k: $F, #[nograd] h: $F) -> [$F; 2] {
                let Osc { x, v } = self.step(h);
                [x * k, v * self.x]
            }

            /// Passes `self` on, more rows (3) than columns (2): from
            /// `lift_jvp` calls.
            #[differentiable]
            pub fn lift(&self) -> [$F; 3] {
                let Osc { x, v } = self.step(0.5);
                [x, v, x * v]
            }

            /// A struct result copying `v` from `self` with `..*self`.
            #[differentiable]
            pub fn nudge(&self, d: $F) -> Self {
                Osc {
                    x: self.x + d,
                    ..*self
                }
            }
        }

        /// A free function calling both on a literal, in forward mode (one
        /// float parameter): through `__step_jvp` and `__adv_jvp`.
        #[differentiable]
        pub fn lit_run(x: $F) -> $F {
            let s = Osc { x, v: 1.0 };
            let Osc { x: a, v: b } = s.step(0.5);
            let Osc { v: c, .. } = Osc::adv(&s, a, 0.5);
            a * b + c
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

#[test]
fn method_returning_a_struct_called_in_a_differentiable_body() {
    let h = 0.25;
    for p @ [x, v] in POINTS {
        // a = x + hv, b = v − hx, f = ab + sin a
        let (a, b) = (x + h * v, v - h * x);
        let expected = [b - h * a + a.cos(), h * b + a + h * a.cos()];
        let (val, d) = osc64(&p).run_grad(h);
        assert_all_close(&[val], &[a * b + a.sin()], TOL_64, "run value");
        let (_, d32) = osc32(&[x as f32, v as f32]).run_grad(h as f32);
        check_both_floats(
            "run",
            &p,
            &[d.x, d.v],
            &[d32.x, d32.v],
            |z| osc64(z).run(h),
            |z| osc32(z).run(h as f32),
            &expected,
        );
        // forward mode through `__step_jvp`: J·t
        let t = osc64(&[0.6, -0.8]);
        let (_, jt) = osc64(&p).run_jvp(h, t);
        let jt_expected = expected[0] * 0.6 - expected[1] * 0.8;
        assert_all_close(&[jt], &[jt_expected], TOL_64, "run J·t");
        let (_, jt32) = osc32(&[x as f32, v as f32]).run_jvp(h as f32, osc32(&[0.6, -0.8]));
        assert_all_close(&[jt32.into()], &[jt_expected], 1e-4, "f32 run J·t");
    }
}

#[test]
fn associated_function_returning_a_struct_called_in_a_differentiable_body() {
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
            let xk = [x, v, k];
            check_both_floats(
                "run_adv",
                &xk,
                &[d.x, d.v, dk],
                &[d32.x, d32.v, dk32],
                |z| osc64(z).run_adv(z[2], h),
                |z| osc32(z).run_adv(z[2], h as f32),
                &expected,
            );
            // J·t along (t_x, t_v, t_k), against the closed form and a
            // central difference
            let (t, tk) = ([0.3, -0.7], 0.9);
            let (_, jt) = osc64(&p).run_adv_jvp(k, h, (osc64(&t), tk));
            let jt_expected = expected[0] * t[0] + expected[1] * t[1] + expected[2] * tk;
            let along = |e: f64| osc64(&[x + e * t[0], v + e * t[1]]).run_adv(k + e * tk, h);
            assert_all_close(&[jt], &[jt_expected], TOL_64, "run_adv J·t");
            assert_all_close(
                &[jt],
                &[central_diff(along, 0.0)],
                1e-8,
                "run_adv J·t central",
            );
        }
    }
}

#[test]
fn free_function_calls_struct_methods_on_a_literal() {
    for x in [0.3_f64, -1.1, 2.0] {
        // a = x + ½, b = 1 − ½x, c = 1 − a·x², f = ab + c
        let (a, b) = (x + 0.5, 1.0 - 0.5 * x);
        let value = a * b + 1.0 - a * x * x;
        let expected = b - 0.5 * a - x * x - 2.0 * a * x;
        let (val, d) = m64::lit_run_grad(x);
        assert_all_close(&[val, d], &[value, expected], TOL_64, "lit_run");
        assert_all_close(
            &[d],
            &[central_diff(m64::lit_run, x)],
            1e-8,
            "lit_run central",
        );
        let (_, d32) = m32::lit_run_grad(x as f32);
        let fd32 = common::central_diff_f32(m32::lit_run, x as f32);
        assert_all_close(&[d32.into()], &[expected], 1e-4, "f32 lit_run");
        assert_all_close(&[d32.into()], &[fd32.into()], 5e-2, "f32 lit_run central");
    }
}

/// `M^n` for the 2 × 2 matrix `m`, by repeated products.
fn mat_pow(m: [[f64; 2]; 2], n: usize) -> [[f64; 2]; 2] {
    let mut r = [[1.0, 0.0], [0.0, 1.0]];
    for _ in 0..n {
        r = [
            [
                r[0][0] * m[0][0] + r[0][1] * m[1][0],
                r[0][0] * m[0][1] + r[0][1] * m[1][1],
            ],
            [
                r[1][0] * m[0][0] + r[1][1] * m[1][0],
                r[1][0] * m[0][1] + r[1][1] * m[1][1],
            ],
        ];
    }
    r
}

#[test]
fn struct_variable_reassigned_by_method_calls_in_a_run_time_loop() {
    let h = 0.2;
    // one turn: step [[1, h], [−h, 1]], then adv with k = 0 [[1, h], [0, 1]]
    let turn = [[1.0 - h * h, h + h], [-h, 1.0]];
    for p @ [x, v] in POINTS {
        for n in [0_usize, 1, 3] {
            let m = mat_pow(turn, n);
            let (xn, vn) = (m[0][0] * x + m[0][1] * v, m[1][0] * x + m[1][1] * v);
            // f = xₙ·vₙ
            let expected = [m[0][0] * vn + m[1][0] * xn, m[0][1] * vn + m[1][1] * xn];
            let (val, d) = osc64(&p).orbit_grad(h, n);
            assert_all_close(&[val], &[xn * vn], TOL_64, "orbit value");
            let (_, d32) = osc32(&[x as f32, v as f32]).orbit_grad(h as f32, n);
            check_both_floats(
                "orbit",
                &p,
                &[d.x, d.v],
                &[d32.x, d32.v],
                |z| osc64(z).orbit(h, n),
                |z| osc32(z).orbit(h as f32, n),
                &expected,
            );
            let (_, jt) = osc64(&p).orbit_jvp(h, n, osc64(&[1.0, -2.0]));
            assert_all_close(
                &[jt],
                &[expected[0] - 2.0 * expected[1]],
                TOL_64,
                "orbit J·t",
            );
        }
    }
}

#[test]
fn struct_method_own_vjp_jvp_and_jacobian() {
    let h = 0.5;
    for p @ [x, _] in POINTS {
        let k = 0.8;
        // adv: rows (x', v'), columns (s.v, s.x, k) in the order the body
        // first reads them (`h * s.v` is computed before `s.x + …`, as
        // the rustdoc lists them): x' = x + hv, v' = v − kx²
        let (val, j) = m64::Osc::adv_jacobian(&osc64(&p), k, h);
        assert_eq!(val, m64::Osc::adv(&osc64(&p), k, h));
        let expected = [[h, 1.0, 0.0], [1.0, -2.0 * k * x, -x * x]];
        for (r, e) in j.iter().zip(&expected) {
            assert_all_close(r, e, TOL_64, "adv Jacobian");
        }
        let (_, (ds, dk)) = m64::Osc::adv_vjp(&osc64(&p), k, h, osc64(&[0.5, -1.5]));
        assert_all_close(
            &[ds.x, ds.v, dk],
            &[0.5 + 3.0 * k * x, 0.5 * h - 1.5, 1.5 * x * x],
            TOL_64,
            "adv uᵀJ",
        );
        let (_, jt) = osc64(&p).step_jvp(h, osc64(&[1.0, 0.0]));
        assert_eq!(jt, osc64(&[1.0, -h]));
    }
}

#[test]
fn jacobian_of_methods_passing_self_on() {
    let h = 0.25;
    for p @ [x, v] in POINTS {
        let k = 1.5 - x;
        let (s, s32) = (osc64(&p), osc32(&[x as f32, v as f32]));
        // obs = [k(x + hv), (v − hx)x] over (self.x, self.v, k)
        let (val, j) = s.obs_jacobian(k, h);
        assert_eq!(val, s.obs(k, h));
        let (_, j32) = s32.obs_jacobian(k as f32, h as f32);
        let cj = vec![vec![k, k * h, x + h * v], vec![v - 2.0 * h * x, x, 0.0]];
        let f = |z: &[f64]| osc64(z).obs(z[2], h).to_vec();
        super::results::check_jacobian(
            "obs",
            &super::results::rows(&j),
            &super::results::rows(&j32),
            &cj,
            f,
            &[x, v, k],
        );
        // lift: (a, b) = (x + ½v, v − ½x), [a, b, ab] over (x, v)
        let (a, b) = (x + 0.5 * v, v - 0.5 * x);
        let (val, j) = s.lift_jacobian();
        assert_eq!(val, s.lift());
        let (_, j32) = s32.lift_jacobian();
        let cj = vec![
            vec![1.0, 0.5],
            vec![-0.5, 1.0],
            vec![b - 0.5 * a, 0.5 * b + a],
        ];
        let f = |z: &[f64]| osc64(z).lift().to_vec();
        super::results::check_jacobian(
            "lift",
            &super::results::rows(&j),
            &super::results::rows(&j32),
            &cj,
            f,
            &p,
        );
        // nudge = (x + d, v) over (self.x, self.v, d)
        let (val, j) = s.nudge_jacobian(0.3);
        assert_eq!(val, s.nudge(0.3));
        assert_eq!(j, [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]);
        let (_, j32) = s32.nudge_jacobian(0.3);
        assert_eq!(j32, [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]);
    }
}
