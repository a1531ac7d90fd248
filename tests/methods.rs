//! `#[differentiable]` on methods and associated functions (issue 8 §2):
//! `&self` is differentiable (its gradient a `Self`) unless marked
//! `#[nograd]`, `self` by value, associated functions naming `Self`, the
//! generated items in the same `impl` (`sys.energy_grad(..)`,
//! `System::energy_grad(..)`), methods calling other methods and free
//! functions; `_jvp`, `_hvp`, `_hessian` and, for a method returning an
//! array, `_vjp` and `_jacobian`, with `Self` tangents and gradients.
//!
//! Every item is written once in `corpus!` and instantiated in f64 and
//! f32; each gradient is checked against a closed form (f64) and central
//! finite differences of the f64 and of the f32 function.

mod common;

use common::{assert_all_close, check_both_floats};

/// f64 values and gradients vs the closed form
const TOL_64: f64 = 1e-12;

macro_rules! corpus {
    ($F:ident) => {
        use macrograd::{differentiable, Differentiable};

        /// A mass on a spring.
        #[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
        pub struct System {
            pub x: $F,
            pub v: $F,
            pub m: $F,
        }

        /// A free function the methods call.
        #[differentiable]
        pub fn damp(v: $F, #[nograd] c: $F) -> $F {
            c * v * v.abs()
        }

        impl System {
            /// Kinetic energy.
            #[differentiable]
            pub fn kinetic(&self) -> $F {
                0.5 * self.m * self.v * self.v
            }

            /// Total energy plus damping: calls a method, an associated
            /// function and a free function.
            #[differentiable]
            pub fn energy(&self, #[nograd] k: $F) -> $F {
                self.kinetic() + Self::spring(self, k) + damp(self.v, 0.1)
            }

            /// An associated function naming `Self`.
            #[differentiable]
            pub fn spring(s: &Self, #[nograd] k: $F) -> $F {
                0.5 * k * s.x * s.x
            }

            /// `self` by value, with another differentiable parameter.
            #[differentiable]
            pub fn work(self, f: $F) -> $F {
                f * self.x * self.m.sqrt()
            }

            /// Kinetic energy with a Hessian: `_jvp`, `_hvp` and
            /// `_hessian` beside `_grad`, in the same `impl`. The body
            /// reads `m`, then `v`: the Hessian is over (m, v).
            #[differentiable(hessian)]
            pub fn kinetic_h(&self) -> $F {
                0.5 * self.m * self.v * self.v
            }

            /// A method returning an array: `_vjp` gives `(Self, F)`,
            /// `_jvp` takes a `(Self, F)` tangent.
            #[differentiable]
            pub fn tip(&self, q: $F) -> [$F; 2] {
                [self.x * q.cos(), self.v * q.sin() * self.m]
            }

            /// A method calling a method that returns an array: pulled
            /// back through its hidden `__tip_vjp`.
            #[differentiable]
            pub fn reach(&self, q: $F) -> $F {
                let [a, b] = self.tip(q);
                a * a + b * q
            }

            /// An associated function returning an array.
            #[differentiable]
            pub fn tip_of(s: &Self, q: $F) -> [$F; 2] {
                [s.x * q.cos(), s.v * q.sin() * s.m]
            }

            /// Calls it as `Self::tip_of`: through its hidden `__tip_of_vjp`.
            #[differentiable]
            pub fn reach_of(&self, q: $F) -> $F {
                let [a, b] = Self::tip_of(self, q);
                a * a + b * q
            }

            /// `&self` as data: the gradient is the other parameter's.
            #[differentiable]
            pub fn scaled(#[nograd] &self, a: $F) -> $F {
                a * a * self.m
            }
        }

        /// A free function calling it on a struct literal, in forward
        /// mode (one float parameter): through `__tip_jvp`.
        #[differentiable]
        pub fn lit_reach(x: $F) -> $F {
            let s = System { x, v: 1.0, m: 2.0 };
            let [a, b] = s.tip(0.5);
            a * b
        }

        /// The same through `System::tip_of`, in forward mode: through
        /// `__tip_of_jvp`.
        #[differentiable]
        pub fn lit_reach_of(x: $F) -> $F {
            let s = System { x, v: 1.0, m: 2.0 };
            let [a, b] = System::tip_of(&s, 0.5);
            a * b
        }
    };
}

mod c64 {
    corpus!(f64);
}

mod c32 {
    corpus!(f32);
}

fn sys64(p: &[f64]) -> c64::System {
    c64::System {
        x: p[0],
        v: p[1],
        m: p[2],
    }
}

fn sys32(p: &[f32]) -> c32::System {
    c32::System {
        x: p[0],
        v: p[1],
        m: p[2],
    }
}

const POINTS: [[f64; 3]; 3] = [[0.3, -1.2, 2.0], [1.7, 0.4, 0.5], [-2.0, 0.9, 1.5]];

#[test]
fn method_gradient_with_respect_to_self_is_a_self() {
    let k = 3.0;
    for x in POINTS {
        let s = sys64(&x);
        let (e, d) = s.energy_grad(k);
        let (xx, v, m) = (x[0], x[1], x[2]);
        let value = 0.5 * m * v * v + 0.5 * k * xx * xx + 0.1 * v * v.abs();
        assert_all_close(&[e], &[value], TOL_64, "energy value");
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        // called as an associated function too
        let (_, d32) = c32::System::energy_grad(&sys32(&x32), k as f32);
        check_both_floats(
            "energy",
            &x,
            &[d.x, d.v, d.m],
            &[d32.x, d32.v, d32.m],
            |p| sys64(p).energy(k),
            |p| sys32(p).energy(k as f32),
            &[k * xx, m * v + 0.2 * v.abs(), 0.5 * v * v],
        );
    }
}

#[test]
fn self_by_value_and_nograd_self() {
    for x in POINTS {
        let f = 0.7;
        let (_, (d, df)) = sys64(&x).work_grad(f);
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let (_, (d32, df32)) = sys32(&x32).work_grad(f as f32);
        let (xx, m) = (x[0], x[2]);
        let mut all = x.to_vec();
        all.push(f);
        check_both_floats(
            "work",
            &all,
            &[d.x, d.v, d.m, df],
            &[d32.x, d32.v, d32.m, df32],
            |p| sys64(p).work(p[3]),
            |p| sys32(p).work(p[3]),
            &[f * m.sqrt(), 0.0, f * xx * 0.5 / m.sqrt(), xx * m.sqrt()],
        );
        let (_, da) = sys64(&x).scaled_grad(1.5);
        assert_all_close(&[da], &[2.0 * 1.5 * m], TOL_64, "scaled");
    }
}

#[test]
fn method_jvp_hvp_and_hessian_take_and_give_self() {
    for x in POINTS {
        let s = sys64(&x);
        let (v, m) = (x[1], x[2]);
        let t = c64::System {
            x: 0.4,
            v: -0.9,
            m: 1.3,
        };
        let (e, jv) = s.kinetic_h_jvp(t);
        assert_all_close(&[e], &[0.5 * m * v * v], TOL_64, "kinetic value");
        // ∂m = v²/2, ∂v = m·v, ∂x = 0
        let expected = 0.5 * v * v * t.m + m * v * t.v;
        assert_all_close(&[jv], &[expected], TOL_64, "J·t");
        let along = |h: f64| {
            let p = [x[0] + h * t.x, v + h * t.v, m + h * t.m];
            sys64(&p).kinetic_h()
        };
        assert_all_close(
            &[jv],
            &[common::central_diff(along, 0.0)],
            1e-8,
            "J·t vs differences",
        );
        let (_, g, hv) = c64::System::kinetic_h_hvp(&s, t);
        assert_all_close(
            &[g.x, g.v, g.m],
            &[0.0, m * v, 0.5 * v * v],
            TOL_64,
            "gradient",
        );
        // H over (m, v) = [[0, v], [v, m]]
        assert_all_close(
            &[hv.x, hv.m, hv.v],
            &[0.0, v * t.v, v * t.m + m * t.v],
            TOL_64,
            "H·t as a Self",
        );
        let (_, _, h) = s.kinetic_h_hessian();
        let flat: Vec<f64> = h.iter().flatten().copied().collect();
        assert_all_close(&flat, &[0.0, v, v, m], TOL_64, "Hessian over (m, v)");
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let t32 = c32::System {
            x: 0.4,
            v: -0.9,
            m: 1.3,
        };
        let (_, jv32) = sys32(&x32).kinetic_h_jvp(t32);
        assert_all_close(&[f64::from(jv32)], &[expected], 1e-5, "f32 J·t");
    }
}

#[test]
fn method_returning_an_array_has_vjp_jvp_and_jacobian() {
    let q: f64 = 0.6;
    for x in POINTS {
        let s = sys64(&x);
        let (xx, v, m) = (x[0], x[1], x[2]);
        let (c, sn) = (q.cos(), q.sin());
        let u = [0.7, -1.1];
        let (y, (d, dq)) = s.tip_vjp(q, u);
        assert_all_close(&y, &[xx * c, v * sn * m], TOL_64, "tip value");
        assert_all_close(
            &[d.x, d.v, d.m, dq],
            &[
                u[0] * c,
                u[1] * sn * m,
                u[1] * v * sn,
                -u[0] * xx * sn + u[1] * v * m * c,
            ],
            TOL_64,
            "uᵀJ as (Self, F)",
        );
        for (i, e) in [[1.0, 0.0], [0.0, 1.0]].into_iter().enumerate() {
            let fd = common::numeric_grad(|p| sys64(p).tip(p[3])[i], &[xx, v, m, q]);
            let (_, (di, dqi)) = s.tip_vjp(q, e);
            assert_all_close(&[di.x, di.v, di.m, dqi], &fd, 1e-8, "J row vs differences");
        }
        let t = c64::System {
            x: 0.2,
            v: 0.5,
            m: -0.3,
        };
        let (_, jt) = s.tip_jvp(q, (t, 0.8));
        assert_all_close(
            &jt,
            &[
                c * t.x - xx * sn * 0.8,
                sn * m * t.v + v * sn * t.m + v * m * c * 0.8,
            ],
            TOL_64,
            "J·t",
        );
        // columns over (x, v, m, q), the order of the first reads
        let (_, jac) = s.tip_jacobian(q);
        let flat: Vec<f64> = jac.iter().flatten().copied().collect();
        assert_all_close(
            &flat,
            &[c, 0.0, 0.0, -xx * sn, 0.0, sn * m, v * sn, v * m * c],
            TOL_64,
            "Jacobian",
        );
    }
}

#[test]
fn array_method_called_in_differentiable_bodies() {
    for p in POINTS {
        let [x, v, m] = p;
        for q in [0.4_f64, -1.3] {
            // a = x cos q, b = v·m·sin q, f = a² + b·q
            let (sq, cq) = q.sin_cos();
            let expected = [
                2.0 * x * cq * cq,
                m * q * sq,
                v * q * sq,
                -2.0 * x * x * cq * sq + v * m * (sq + q * cq),
            ];
            let (val, (ds, dq)) = sys64(&p).reach_grad(q);
            assert_all_close(
                &[val],
                &[x * x * cq * cq + v * m * q * sq],
                TOL_64,
                "reach value",
            );
            let s32 = sys32(&[x as f32, v as f32, m as f32]);
            let (_, (ds32, dq32)) = s32.reach_grad(q as f32);
            let mut xq = p.to_vec();
            xq.push(q);
            check_both_floats(
                "reach",
                &xq,
                &[ds.x, ds.v, ds.m, dq],
                &[ds32.x, ds32.v, ds32.m, dq32],
                |z| sys64(&z[..3]).reach(z[3]),
                |z| sys32(&z[..3]).reach(z[3]),
                &expected,
            );
        }
        // f = 2x·cos ½·sin ½ = x sin 1
        let (val, d) = c64::lit_reach_grad(x);
        assert_all_close(
            &[val, d],
            &[x * 1f64.sin(), 1f64.sin()],
            TOL_64,
            "lit_reach",
        );
        let (_, d32) = c32::lit_reach_grad(x as f32);
        assert_all_close(&[d32.into()], &[1f64.sin()], 1e-6, "f32 lit_reach");
    }
}

#[test]
fn jvp_of_methods_passing_self_on() {
    for p in POINTS {
        let (t, tq) = ([0.3, -0.7, 0.4], 0.9);
        let (k, q) = (2.5, 0.6);
        // energy passes `self` to `kinetic` and `spring`: its JVP dots
        // their entries with the tangent
        let (_, jt) = sys64(&p).energy_jvp(k, sys64(&t));
        let along = |h: f64| {
            let z: Vec<f64> = p.iter().zip(&t).map(|(a, b)| a + h * b).collect();
            sys64(&z).energy(k)
        };
        assert_all_close(
            &[jt],
            &[common::central_diff(along, 0.0)],
            1e-8,
            "energy J·t",
        );
        // closed form: ∂E = (kx, mv + 2c|v|, ½v²) with c = 0.1
        let [x, v, m] = p;
        let g = [k * x, m * v + 0.2 * v.abs(), 0.5 * v * v];
        let expected: f64 = g.iter().zip(&t).map(|(a, b)| a * b).sum();
        assert_all_close(&[jt], &[expected], TOL_64, "energy J·t closed form");
        let t32 = [t[0] as f32, t[1] as f32, t[2] as f32];
        let p32 = [p[0] as f32, p[1] as f32, p[2] as f32];
        let (_, jt32) = sys32(&p32).energy_jvp(k as f32, sys32(&t32));
        assert_all_close(&[jt32.into()], &[expected], 1e-5, "f32 energy J·t");
        // reach passes `self` to the array method `tip`
        let (_, jt) = sys64(&p).reach_jvp(q, (sys64(&t), tq));
        let along = |h: f64| {
            let z: Vec<f64> = p.iter().zip(&t).map(|(a, b)| a + h * b).collect();
            sys64(&z).reach(q + h * tq)
        };
        assert_all_close(
            &[jt],
            &[common::central_diff(along, 0.0)],
            1e-8,
            "reach J·t",
        );
    }
}

#[test]
fn array_associated_function_called_in_differentiable_bodies() {
    for p in POINTS {
        let [x, v, m] = p;
        for q in [0.4_f64, -1.3] {
            // `Self::tip_of(self, q)`: a = x cos q, b = v·m·sin q, f = a² + b·q
            let (sq, cq) = q.sin_cos();
            let expected = [
                2.0 * x * cq * cq,
                m * q * sq,
                v * q * sq,
                -2.0 * x * x * cq * sq + v * m * (sq + q * cq),
            ];
            let (val, (ds, dq)) = sys64(&p).reach_of_grad(q);
            assert_all_close(
                &[val],
                &[x * x * cq * cq + v * m * q * sq],
                TOL_64,
                "reach_of value",
            );
            let s32 = sys32(&[x as f32, v as f32, m as f32]);
            let (_, (ds32, dq32)) = s32.reach_of_grad(q as f32);
            let mut xq = p.to_vec();
            xq.push(q);
            check_both_floats(
                "reach_of",
                &xq,
                &[ds.x, ds.v, ds.m, dq],
                &[ds32.x, ds32.v, ds32.m, dq32],
                |z| sys64(&z[..3]).reach_of(z[3]),
                |z| sys32(&z[..3]).reach_of(z[3]),
                &expected,
            );
            // forward mode through `__tip_of_jvp`: J·t vs the closed form
            // and a central difference along t
            let (t, tq) = ([0.3, -0.7, 0.4], 0.9);
            let jt_expected: f64 = expected[..3]
                .iter()
                .zip(&t)
                .map(|(a, b)| a * b)
                .sum::<f64>()
                + expected[3] * tq;
            let (_, jt) = sys64(&p).reach_of_jvp(q, (sys64(&t), tq));
            let along = |h: f64| {
                let z: Vec<f64> = p.iter().zip(&t).map(|(a, b)| a + h * b).collect();
                sys64(&z).reach_of(q + h * tq)
            };
            assert_all_close(&[jt], &[jt_expected], TOL_64, "reach_of J·t closed form");
            assert_all_close(
                &[jt],
                &[common::central_diff(along, 0.0)],
                1e-8,
                "reach_of J·t",
            );
            let t32 = sys32(&[t[0] as f32, t[1] as f32, t[2] as f32]);
            let (_, jt32) = s32.reach_of_jvp(q as f32, (t32, tq as f32));
            let along32 = |h: f32| {
                let z: Vec<f32> = p
                    .iter()
                    .zip(&t)
                    .map(|(a, b)| *a as f32 + h * *b as f32)
                    .collect();
                sys32(&z).reach_of(q as f32 + h * tq as f32)
            };
            assert_all_close(&[jt32.into()], &[jt_expected], 1e-4, "f32 reach_of J·t");
            assert_all_close(
                &[jt32.into()],
                &[common::central_diff_f32(along32, 0.0).into()],
                1e-2,
                "f32 reach_of J·t central",
            );
        }
        // `System::tip_of(&s, ½)` in a free function (forward mode):
        // f = 2x·cos ½·sin ½ = x sin 1
        let (val, d) = c64::lit_reach_of_grad(x);
        assert_all_close(
            &[val, d],
            &[x * 1f64.sin(), 1f64.sin()],
            TOL_64,
            "lit_reach_of",
        );
        let d_fd = common::central_diff(c64::lit_reach_of, x);
        assert_all_close(&[d], &[d_fd], 1e-8, "lit_reach_of central");
        let (_, d32) = c32::lit_reach_of_grad(x as f32);
        let d32_fd = common::central_diff_f32(c32::lit_reach_of, x as f32);
        assert_all_close(&[d32.into()], &[1f64.sin()], 1e-6, "f32 lit_reach_of");
        assert_all_close(
            &[d32.into()],
            &[d32_fd.into()],
            1e-2,
            "f32 lit_reach_of central",
        );
    }
}
