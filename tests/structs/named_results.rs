//! A struct result bound to a plain name and read by field (issue 8):
//! `let p = twist(t, y); p.omega * p.omega + p.theta`, `let p: State =
//! …`, nested and array fields (`r.arm.l1`, `r.arm.w[i]`), reads in
//! branches and in run-time loops, and methods and associated functions
//! returning `Self` (`let s = self.step(h); s.x`). Checked in f64 and f32
//! against closed forms and central differences, the forward sweeps
//! (`_jvp`) too.

use super::*;
use common::central_diff;

macro_rules! named {
    ($F:ident) => {
        use macrograd::{differentiable, Differentiable};

        /// A pendulum's state.
        #[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
        pub struct State {
            pub theta: $F,
            pub omega: $F,
        }

        /// Two nested structs, one with an array field.
        #[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
        pub struct Arm {
            pub l1: $F,
            pub w: [$F; 2],
        }

        /// A struct holding another.
        #[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
        pub struct Robot {
            pub arm: Arm,
            pub mass: $F,
        }

        /// θ' = θ + tω, ω' = ω − t·sin θ.
        #[differentiable]
        pub fn twist(t: $F, y: State) -> State {
            State {
                theta: y.theta + t * y.omega,
                omega: y.omega - t * y.theta.sin(),
            }
        }

        /// The result bound to a name, read by field.
        #[differentiable]
        pub fn energy(t: $F, y: State) -> $F {
            let p = twist(t, y);
            p.omega * p.omega + p.theta
        }

        /// The same with the binding's type written.
        #[differentiable]
        pub fn energy_typed(t: $F, y: State) -> $F {
            let p: State = twist(t, y);
            p.theta * p.omega
        }

        /// A branch on a field, each arm reading other fields.
        #[differentiable]
        pub fn branchy(t: $F, y: State) -> $F {
            let p = twist(t, y);
            if p.theta > 0.0 {
                p.omega * 3.0
            } else {
                p.theta * p.omega
            }
        }

        /// l1 = ab, w = (a, b²), mass = a + b.
        #[differentiable]
        pub fn build(a: $F, b: $F) -> Robot {
            Robot {
                arm: Arm {
                    l1: a * b,
                    w: [a, b * b],
                },
                mass: a + b,
            }
        }

        /// Nested and array fields, the array read in an unrolled loop:
        /// f = l1·mass + w0 + 2·w1.
        #[differentiable]
        pub fn reach(a: $F, b: $F) -> $F {
            let r = build(a, b);
            let mut s = 0.0;
            for i in 0..2 {
                s += r.arm.w[i] * (i as $F + 1.0);
            }
            r.arm.l1 * r.mass + s
        }

        /// The call in a run-time loop, its argument carried:
        /// x ← x + ½·twist(x, y).omega = x + ½(ω − x·sin θ).
        #[differentiable]
        pub fn march(y: State, n: usize) -> $F {
            let mut x = y.theta;
            for _ in 0..n {
                let p = twist(x, y);
                x += 0.5 * p.omega;
            }
            x
        }

        /// The call before a run-time loop, its fields read inside:
        /// s ← s·ω' + θ'.
        #[differentiable]
        pub fn horner(t: $F, y: State, n: usize) -> $F {
            let p = twist(t, y);
            let mut s = 0.0;
            for _ in 0..n {
                s = s * p.omega + p.theta;
            }
            s
        }

        impl State {
            /// One explicit Euler step of θ'' = −θ.
            #[differentiable]
            pub fn step(&self, #[nograd] h: $F) -> Self {
                State {
                    theta: self.theta + h * self.omega,
                    omega: self.omega - h * self.theta,
                }
            }

            /// ω' = ω − k·θ².
            #[differentiable]
            pub fn adv(s: &Self, k: $F) -> Self {
                State {
                    theta: s.theta,
                    omega: s.omega - k * s.theta * s.theta,
                }
            }

            /// A method's result bound to a name.
            #[differentiable]
            pub fn run(&self, #[nograd] h: $F) -> $F {
                let s = self.step(h);
                s.theta * s.omega + s.theta.sin()
            }

            /// An associated function's result bound to a name.
            #[differentiable]
            pub fn run_adv(&self, k: $F) -> $F {
                let s = Self::adv(self, k);
                s.omega * s.omega * self.theta
            }
        }
    };
}

mod m64 {
    named!(f64);
}

mod m32 {
    named!(f32);
}

fn st64(p: &[f64]) -> m64::State {
    m64::State {
        theta: p[0],
        omega: p[1],
    }
}

fn st32(p: &[f32]) -> m32::State {
    m32::State {
        theta: p[0],
        omega: p[1],
    }
}

/// (t, θ, ω)
const POINTS: [[f64; 3]; 3] = [[0.3, 0.7, -1.2], [-0.6, 1.7, 0.4], [0.9, -2.0, 0.9]];

/// twist's value and its Jacobian rows ∂θ'/∂(t, θ, ω), ∂ω'/∂(t, θ, ω).
fn twist_closed(t: f64, th: f64, om: f64) -> ((f64, f64), [[f64; 3]; 2]) {
    (
        (th + t * om, om - t * th.sin()),
        [[om, 1.0, t], [-th.sin(), -t * th.cos(), 1.0]],
    )
}

/// uᵀJ for the twist Jacobian `j`: the gradient of a function of (θ', ω')
/// with partials `u`.
fn pull(j: [[f64; 3]; 2], u: [f64; 2]) -> [f64; 3] {
    [0, 1, 2].map(|k| u[0] * j[0][k] + u[1] * j[1][k])
}

#[test]
fn free_function_struct_result_bound_to_a_name() {
    for p @ [t, th, om] in POINTS {
        let ((a, b), j) = twist_closed(t, th, om);
        // energy = b² + a; energy_typed = a·b
        for (name, value, u) in [
            ("energy", b * b + a, [1.0, 2.0 * b]),
            ("energy_typed", a * b, [b, a]),
        ] {
            let expected = pull(j, u);
            let f64_fn = |z: &[f64]| match name {
                "energy" => m64::energy(z[0], st64(&z[1..])),
                _ => m64::energy_typed(z[0], st64(&z[1..])),
            };
            let f32_fn = |z: &[f32]| match name {
                "energy" => m32::energy(z[0], st32(&z[1..])),
                _ => m32::energy_typed(z[0], st32(&z[1..])),
            };
            let (val, (dt, dy)) = match name {
                "energy" => m64::energy_grad(t, st64(&p[1..])),
                _ => m64::energy_typed_grad(t, st64(&p[1..])),
            };
            let p32 = p.map(|v| v as f32);
            let (_, (dt32, dy32)) = match name {
                "energy" => m32::energy_grad(p32[0], st32(&p32[1..])),
                _ => m32::energy_typed_grad(p32[0], st32(&p32[1..])),
            };
            assert_all_close(&[val], &[value], TOL_64, name);
            check_both_floats(
                name,
                &p,
                &[dt, dy.theta, dy.omega],
                &[dt32, dy32.theta, dy32.omega],
                f64_fn,
                f32_fn,
                &expected,
            );
        }
        // forward mode: J·v along (v_t, v_θ, v_ω)
        let v = [0.4, -0.9, 0.6];
        let (_, jv) = m64::energy_jvp(t, st64(&p[1..]), (v[0], st64(&v[1..])));
        let e = pull(j, [1.0, 2.0 * b]);
        let jv_expected = e[0] * v[0] + e[1] * v[1] + e[2] * v[2];
        let along = |s: f64| m64::energy(t + s * v[0], st64(&[th + s * v[1], om + s * v[2]]));
        assert_all_close(&[jv], &[jv_expected], TOL_64, "energy J·v");
        assert_all_close(
            &[jv],
            &[central_diff(along, 0.0)],
            1e-8,
            "energy J·v central",
        );
        let v32 = v.map(|x| x as f32);
        let (_, jv32) = m32::energy_jvp(
            t as f32,
            st32(&[th as f32, om as f32]),
            (v32[0], st32(&v32[1..])),
        );
        assert_all_close(&[jv32.into()], &[jv_expected], 1e-4, "f32 energy J·v");
    }
}

#[test]
fn struct_result_read_in_branches() {
    for p @ [t, th, om] in POINTS {
        let ((a, b), j) = twist_closed(t, th, om);
        let (value, u) = if a > 0.0 {
            (3.0 * b, [0.0, 3.0])
        } else {
            (a * b, [b, a])
        };
        let (val, (dt, dy)) = m64::branchy_grad(t, st64(&p[1..]));
        let p32 = p.map(|v| v as f32);
        let (_, (dt32, dy32)) = m32::branchy_grad(p32[0], st32(&p32[1..]));
        assert_all_close(&[val], &[value], TOL_64, "branchy value");
        check_both_floats(
            "branchy",
            &p,
            &[dt, dy.theta, dy.omega],
            &[dt32, dy32.theta, dy32.omega],
            |z| m64::branchy(z[0], st64(&z[1..])),
            |z| m32::branchy(z[0], st32(&z[1..])),
            &pull(j, u),
        );
    }
}

#[test]
fn nested_and_array_fields_of_a_struct_result() {
    for [a, b] in [[0.3, -1.2], [1.7, 0.4], [-2.0, 0.9]] {
        // f = ab·(a + b) + a + 2b²
        let value = a * b * (a + b) + a + 2.0 * b * b;
        let expected = [2.0 * a * b + b * b + 1.0, a * a + 2.0 * a * b + 4.0 * b];
        let (val, (da, db)) = m64::reach_grad(a, b);
        let (_, (da32, db32)) = m32::reach_grad(a as f32, b as f32);
        assert_all_close(&[val], &[value], TOL_64, "reach value");
        check_both_floats(
            "reach",
            &[a, b],
            &[da, db],
            &[da32, db32],
            |z| m64::reach(z[0], z[1]),
            |z| m32::reach(z[0], z[1]),
            &expected,
        );
        let (_, jv) = m64::reach_jvp(a, b, (0.5, -1.5));
        assert_all_close(
            &[jv],
            &[0.5 * expected[0] - 1.5 * expected[1]],
            TOL_64,
            "reach J·v",
        );
    }
}

#[test]
fn struct_result_in_a_run_time_loop() {
    for p @ [_, th, om] in POINTS {
        for n in [0_usize, 1, 4] {
            // x ← x·c + ω/2 with c = 1 − ½ sin θ, x₀ = θ; its derivatives
            // by the same recursion (dual numbers by hand)
            let c = 1.0 - 0.5 * th.sin();
            let dc = -0.5 * th.cos();
            let (mut x, mut dth, mut dom) = (th, 1.0, 0.0);
            for _ in 0..n {
                (x, dth, dom) = (x * c + 0.5 * om, dth * c + x * dc, dom * c + 0.5);
            }
            let (val, dy) = m64::march_grad(st64(&p[1..]), n);
            let (_, dy32) = m32::march_grad(st32(&[th as f32, om as f32]), n);
            assert_all_close(&[val], &[x], TOL_64, "march value");
            check_both_floats(
                "march",
                &p[1..],
                &[dy.theta, dy.omega],
                &[dy32.theta, dy32.omega],
                |z| m64::march(st64(z), n),
                |z| m32::march(st32(z), n),
                &[dth, dom],
            );
        }
    }
}

#[test]
fn struct_result_read_inside_a_later_run_time_loop() {
    for p @ [t, th, om] in POINTS {
        let ((a, b), j) = twist_closed(t, th, om);
        for n in [0_usize, 1, 3] {
            // s ← s·b + a: s and its partials in (a, b) by recursion
            let (mut s, mut da, mut db) = (0.0, 0.0, 0.0);
            for _ in 0..n {
                (s, da, db) = (s * b + a, da * b + 1.0, db * b + s);
            }
            let (val, (dt, dy)) = m64::horner_grad(t, st64(&p[1..]), n);
            let p32 = p.map(|v| v as f32);
            let (_, (dt32, dy32)) = m32::horner_grad(p32[0], st32(&p32[1..]), n);
            assert_all_close(&[val], &[s], TOL_64, "horner value");
            check_both_floats(
                "horner",
                &p,
                &[dt, dy.theta, dy.omega],
                &[dt32, dy32.theta, dy32.omega],
                |z| m64::horner(z[0], st64(&z[1..]), n),
                |z| m32::horner(z[0], st32(&z[1..]), n),
                &pull(j, [da, db]),
            );
        }
    }
}

#[test]
fn method_and_associated_function_results_bound_to_names() {
    let h = 0.25;
    for [_, x, v] in POINTS {
        // run: a = x + hv, b = v − hx, f = ab + sin a
        let (a, b) = (x + h * v, v - h * x);
        let expected = [b - h * a + a.cos(), h * b + a + h * a.cos()];
        let (val, d) = st64(&[x, v]).run_grad(h);
        let (_, d32) = st32(&[x as f32, v as f32]).run_grad(h as f32);
        assert_all_close(&[val], &[a * b + a.sin()], TOL_64, "run value");
        check_both_floats(
            "run",
            &[x, v],
            &[d.theta, d.omega],
            &[d32.theta, d32.omega],
            |z| st64(z).run(h),
            |z| st32(z).run(h as f32),
            &expected,
        );
        let (_, jv) = st64(&[x, v]).run_jvp(h, st64(&[0.6, -0.8]));
        assert_all_close(
            &[jv],
            &[0.6 * expected[0] - 0.8 * expected[1]],
            TOL_64,
            "run J·v",
        );
        // run_adv: w = v − kx², f = w²·x
        let k = 0.7;
        let w = v - k * x * x;
        let expected = [
            w * w - 4.0 * k * x * x * w,
            2.0 * w * x,
            -2.0 * w * x * x * x,
        ];
        let (val, (d, dk)) = st64(&[x, v]).run_adv_grad(k);
        let (_, (d32, dk32)) = st32(&[x as f32, v as f32]).run_adv_grad(k as f32);
        assert_all_close(&[val], &[w * w * x], TOL_64, "run_adv value");
        check_both_floats(
            "run_adv",
            &[x, v, k],
            &[d.theta, d.omega, dk],
            &[d32.theta, d32.omega, dk32],
            |z| st64(z).run_adv(z[2]),
            |z| st32(z).run_adv(z[2]),
            &expected,
        );
    }
}
