//! Tuple structs end to end (issue 8): `#[derive(Differentiable)] struct
//! P(f64, f64);` as a parameter read `p.0` (by value, by reference, nested
//! `q.0.1`, array fields `q.1[0]`, taken apart `let P(x, y) = p;`), built
//! in the body with `P(a, b)` and `Self(a, b)`, methods reading `self.0`,
//! helpers returning one (`let P(x, y) = rot(p, h);`, `let q = rot(p, h);
//! q.0`, `let r: P = …`, carried through a run-time loop), and the
//! derived functions of a function returning one (`_vjp`, `_jvp`,
//! `_jacobian`). Also a helper returning a plain tuple read the same way
//! (`let p = polar(r, t); p.0`). Checked in f64 and f32 against closed
//! forms and central differences.

use super::*;

macro_rules! tuple_corpus {
    ($F:ident) => {
        use macrograd::{differentiable, Differentiable};

        /// A point in the plane.
        #[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
        pub struct P(pub $F, pub $F);

        /// A tuple struct holding another and an array.
        #[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
        pub struct Q(pub P, pub [$F; 2]);

        /// f = p0·p1·q00 + q01·q11 + sin p0 (q10 never read).
        #[differentiable]
        pub fn read(p: P, q: &Q) -> $F {
            p.0 * p.1 * q.0 .0 + q.0 .1 * q.1[1] + p.0.sin()
        }

        /// Parameters taken apart by tuple struct patterns:
        /// f = x·y·s + y·w0 for p = (x, y), q = ((s, _), [w0, _]).
        #[differentiable]
        pub fn unpack(p: P, q: Q) -> $F {
            let P(x, y) = p;
            let P(s, _) = q.0;
            x * y * s + y * q.1[0]
        }

        /// Values built in the body: p = (ab, b), (u, v) = (b, a²b²),
        /// f = ab + b·u·v = ab + a²b⁴.
        #[differentiable]
        pub fn lit(a: $F, b: $F) -> $F {
            let p = P(a * b, b);
            let P(u, v) = P(p.1, p.0 * p.0);
            p.0 + p.1 * u * v
        }

        /// A rotation-like step: (p0 − h·p1, p1 + h·p0).
        #[differentiable]
        pub fn rot(p: P, #[nograd] h: $F) -> P {
            P(p.0 - h * p.1, p.1 + h * p.0)
        }

        /// A helper's result taken apart: (x, y) = rot(p),
        /// u = rot((y, x²)).0 = y − h·x², f = x·y + u.
        #[differentiable]
        pub fn after(p: P, #[nograd] h: $F) -> $F {
            let P(x, y) = rot(p, h);
            let P(u, ..) = rot(P(y, x * x), h);
            x * y + u
        }

        /// A helper's result bound to a name, with and without its type:
        /// (x, y) = rot(p), r0 = p1 − h·p0, f = x·y + r0.
        #[differentiable]
        pub fn named(p: P, #[nograd] h: $F) -> $F {
            let q = rot(p, h);
            let r: P = rot(P(p.1, p.0), h);
            q.0 * q.1 + r.0
        }

        /// A tuple struct variable carried through a run-time loop:
        /// p_n = Mⁿ p0 for M = [[1, −h], [h, 1]], f = p_n0·p_n1.
        #[differentiable]
        pub fn orbit(p0: P, #[nograd] h: $F, n: usize) -> $F {
            let mut p = P(p0.0, p0.1);
            for _ in 0..n {
                p = rot(p, h);
            }
            p.0 * p.1
        }

        impl P {
            /// k·(p0² + p1²), read through `self.0`.
            #[differentiable]
            pub fn norm2(&self, #[nograd] k: $F) -> $F {
                k * (self.0 * self.0 + self.1 * self.1)
            }

            /// (s·p0, s·p1²), built with `Self(…)`.
            #[differentiable]
            pub fn scaled(&self, s: $F) -> Self {
                Self(s * self.0, s * self.1 * self.1)
            }

            /// A method's result taken apart and bound to a name:
            /// f = (s·x)(s·y²) + 2y².
            #[differentiable]
            pub fn use_scaled(&self, s: $F) -> $F {
                let P(a, b) = self.scaled(s);
                let q = self.scaled(2.0);
                a * b + q.1
            }
        }

        /// Literals passed to a method: 2(a² + b²) + (b⁴ + a²).
        #[differentiable]
        pub fn pass(a: $F, b: $F) -> $F {
            P(a, b).norm2(2.0) + P(b * b, a).norm2(1.0)
        }

        /// A helper returning a plain tuple.
        #[differentiable]
        pub fn polar(r: $F, t: $F) -> ($F, $F) {
            (r * t.cos(), r * t.sin())
        }

        /// Its result bound to a name and read by number, as a tuple
        /// struct's: r² cos t sin t.
        #[differentiable]
        pub fn polar_area(r: $F, t: $F) -> $F {
            let p = polar(r, t);
            p.0 * p.1
        }

        /// One part read, the other's cotangent zero: r·(r sin t).
        #[differentiable]
        pub fn polar_first(r: $F, t: $F) -> $F {
            let p = polar(r, t);
            r * p.1
        }
    };
}

mod t64 {
    tuple_corpus!(f64);
}

mod t32 {
    tuple_corpus!(f32);
}

fn p64(x: &[f64]) -> t64::P {
    t64::P(x[0], x[1])
}

fn p32(x: &[f32]) -> t32::P {
    t32::P(x[0], x[1])
}

fn q64(x: &[f64]) -> t64::Q {
    t64::Q(t64::P(x[0], x[1]), [x[2], x[3]])
}

fn q32(x: &[f32]) -> t32::Q {
    t32::Q(t32::P(x[0], x[1]), [x[2], x[3]])
}

fn to32(x: &[f64]) -> Vec<f32> {
    x.iter().map(|&v| v as f32).collect()
}

/// The step `rot` is p ↦ M p, M = [[1, −h], [h, 1]].
fn rot_closed(p: [f64; 2], h: f64) -> [f64; 2] {
    [p[0] - h * p[1], p[1] + h * p[0]]
}

#[test]
fn tuple_struct_parameters_read_by_number() {
    // x = [p0, p1, q00, q01, q10, q11]
    let x = [0.7, -1.3, 0.4, 2.1, -0.6, 1.5];
    let (v, (dp, dq)) = t64::read_grad(p64(&x), &q64(&x[2..]));
    let x32 = to32(&x);
    let (_, (dp32, dq32)) = t32::read_grad(p32(&x32), &q32(&x32[2..]));
    assert_all_close(
        &[v],
        &[x[0] * x[1] * x[2] + x[3] * x[5] + x[0].sin()],
        TOL_64,
        "read value",
    );
    let expected = [
        x[1] * x[2] + x[0].cos(),
        x[0] * x[2],
        x[0] * x[1],
        x[5],
        0.0,
        x[3],
    ];
    check_both_floats(
        "read",
        &x,
        &[dp.0, dp.1, dq.0 .0, dq.0 .1, dq.1[0], dq.1[1]],
        &[dp32.0, dp32.1, dq32.0 .0, dq32.0 .1, dq32.1[0], dq32.1[1]],
        |y| t64::read(p64(y), &q64(&y[2..])),
        |y| t32::read(p32(y), &q32(&y[2..])),
        &expected,
    );
    // the forward sweep takes tangents of the same tuple structs
    let (tp, tq) = (t64::P(0.3, -0.8), t64::Q(t64::P(1.1, 0.2), [-0.5, 0.9]));
    let (_, jv) = t64::read_jvp(p64(&x), &q64(&x[2..]), (tp, tq));
    let dot = expected[0] * 0.3 - expected[1] * 0.8 + expected[2] * 1.1 + expected[3] * 0.2
        - expected[4] * 0.5
        + expected[5] * 0.9;
    assert_all_close(&[jv], &[dot], TOL_64, "read J·t");

    // taken apart by patterns: f = x·y·s + y·w0, x = [x, y, s, _, w0, _]
    let (_, (dp, dq)) = t64::unpack_grad(p64(&x), q64(&x[2..]));
    let (_, (dp32, dq32)) = t32::unpack_grad(p32(&x32), q32(&x32[2..]));
    check_both_floats(
        "unpack",
        &x,
        &[dp.0, dp.1, dq.0 .0, dq.0 .1, dq.1[0], dq.1[1]],
        &[dp32.0, dp32.1, dq32.0 .0, dq32.0 .1, dq32.1[0], dq32.1[1]],
        |y| t64::unpack(p64(y), q64(&y[2..])),
        |y| t32::unpack(p32(y), q32(&y[2..])),
        &[x[1] * x[2], x[0] * x[2] + x[4], x[0] * x[1], 0.0, x[1], 0.0],
    );
}

#[test]
fn tuple_struct_values_built_in_the_body() {
    for x in [[0.8, -1.1], [1.9, 0.6]] {
        let [a, b] = x;
        let (v, d) = t64::lit_grad(a, b);
        let (_, d32) = t32::lit_grad(a as f32, b as f32);
        assert_all_close(&[v], &[a * b + a * a * b.powi(4)], TOL_64, "lit value");
        check_both_floats(
            "lit",
            &x,
            &[d.0, d.1],
            &[d32.0, d32.1],
            |y| t64::lit(y[0], y[1]),
            |y| t32::lit(y[0], y[1]),
            &[b + 2.0 * a * b.powi(4), a + 4.0 * a * a * b.powi(3)],
        );
        let (_, d) = t64::pass_grad(a, b);
        let (_, d32) = t32::pass_grad(a as f32, b as f32);
        check_both_floats(
            "pass",
            &x,
            &[d.0, d.1],
            &[d32.0, d32.1],
            |y| t64::pass(y[0], y[1]),
            |y| t32::pass(y[0], y[1]),
            &[6.0 * a, 4.0 * b + 4.0 * b.powi(3)],
        );
    }
}

#[test]
fn tuple_struct_results_of_helpers() {
    let h = 0.3;
    for x in [[0.7, -1.2], [-1.5, 0.4]] {
        let [px, py] = rot_closed(x, h);
        // after: f = x·y + y − h·x², through (x, y) = M p
        let (fx, fy) = (py - 2.0 * h * px, px + 1.0);
        let after_g = [fx + fy * h, -fx * h + fy];
        // named: f = x·y + p1 − h·p0
        let named_g = [py + px * h - h, -py * h + px + 1.0];
        let x32 = to32(&x);
        let (v, d) = t64::after_grad(p64(&x), h);
        let (_, d32) = t32::after_grad(p32(&x32), h as f32);
        assert_all_close(&[v], &[px * py + py - h * px * px], TOL_64, "after value");
        check_both_floats(
            "after",
            &x,
            &[d.0, d.1],
            &[d32.0, d32.1],
            |y| t64::after(p64(y), h),
            |y| t32::after(p32(y), h as f32),
            &after_g,
        );
        let (_, jv) = t64::after_jvp(p64(&x), h, t64::P(0.5, -2.0));
        let g = after_g;
        assert_all_close(&[jv], &[0.5 * g[0] - 2.0 * g[1]], TOL_64, "after J·t");

        let (v, d) = t64::named_grad(p64(&x), h);
        let (_, d32) = t32::named_grad(p32(&x32), h as f32);
        assert_all_close(&[v], &[px * py + x[1] - h * x[0]], TOL_64, "named value");
        check_both_floats(
            "named",
            &x,
            &[d.0, d.1],
            &[d32.0, d32.1],
            |y| t64::named(p64(y), h),
            |y| t32::named(p32(y), h as f32),
            &named_g,
        );
        let (_, jv) = t64::named_jvp(p64(&x), h, t64::P(-1.0, 0.25));
        let g = named_g;
        assert_all_close(&[jv], &[-g[0] + 0.25 * g[1]], TOL_64, "named J·t");
    }
}

#[test]
fn tuple_struct_carried_through_a_run_time_loop() {
    let (h, n) = (0.2, 5);
    let x = [0.9, -0.4];
    // p_n = Mⁿ p0, f = p_n0·p_n1, ∇f = (Mⁿ)ᵀ (p_n1, p_n0)
    let mut p = x;
    for _ in 0..n {
        p = rot_closed(p, h);
    }
    let mut u = [p[1], p[0]];
    for _ in 0..n {
        // Mᵀ u
        u = [u[0] + h * u[1], -h * u[0] + u[1]];
    }
    let (v, d) = t64::orbit_grad(p64(&x), h, n);
    let (_, d32) = t32::orbit_grad(p32(&to32(&x)), h as f32, n);
    assert_all_close(&[v], &[p[0] * p[1]], TOL_64, "orbit value");
    check_both_floats(
        "orbit",
        &x,
        &[d.0, d.1],
        &[d32.0, d32.1],
        |y| t64::orbit(p64(y), h, n),
        |y| t32::orbit(p32(y), h as f32, n),
        &u,
    );
}

#[test]
fn tuple_struct_result_derived_functions() {
    let h = 0.25;
    let x = [1.2, -0.7];
    // vjp: uᵀM, u = (2, −1)
    let (v, d) = t64::rot_vjp(p64(&x), h, t64::P(2.0, -1.0));
    assert_eq!(v, p64(&rot_closed(x, h)));
    assert_all_close(&[d.0, d.1], &[2.0 - h, -2.0 * h - 1.0], TOL_64, "rot uᵀJ");
    let (_, d32) = t32::rot_vjp(p32(&to32(&x)), h as f32, t32::P(2.0, -1.0));
    assert_all_close(
        &[f64::from(d32.0), f64::from(d32.1)],
        &[2.0 - h, -2.0 * h - 1.0],
        1e-6,
        "f32 rot uᵀJ",
    );
    // jvp: M t, t = (0.5, 3)
    let (_, t) = t64::rot_jvp(p64(&x), h, t64::P(0.5, 3.0));
    assert_all_close(
        &[t.0, t.1],
        &[0.5 - 3.0 * h, 3.0 + 0.5 * h],
        TOL_64,
        "rot J·t",
    );
    // rows (p.0, p.1) as `P` declares them; columns as the body first reads
    // the fields (the rustdoc lists them): (p.1, p.0)
    let (_, j) = t64::rot_jacobian(p64(&x), h);
    assert_all_close(&j.concat(), &[-h, 1.0, 1.0, h], TOL_64, "rot Jacobian");
    // and the Jacobian's columns are central differences of the value
    for (col, k) in [(0, 1), (1, 0)] {
        for (row, get) in [|p: t64::P| p.0, |p: t64::P| p.1].into_iter().enumerate() {
            let fd = common::central_diff(
                |t| {
                    let mut y = x;
                    y[k] = t;
                    get(t64::rot(p64(&y), h))
                },
                x[k],
            );
            assert_all_close(&[j[row][col]], &[fd], 1e-7, "rot Jacobian vs differences");
        }
    }
}

#[test]
fn tuple_struct_methods_read_self_by_number() {
    let x = [0.6, -1.4];
    let k = 1.5;
    let (v, d) = p64(&x).norm2_grad(k);
    let (_, d32) = p32(&to32(&x)).norm2_grad(k as f32);
    assert_all_close(
        &[v],
        &[k * (x[0] * x[0] + x[1] * x[1])],
        TOL_64,
        "norm2 value",
    );
    check_both_floats(
        "norm2",
        &x,
        &[d.0, d.1],
        &[d32.0, d32.1],
        |y| p64(y).norm2(k),
        |y| p32(y).norm2(k as f32),
        &[2.0 * k * x[0], 2.0 * k * x[1]],
    );
    // use_scaled: f = s²·x·y² + 2y²; x = [x, y, s]
    let x = [0.6, -1.4, 0.8];
    let (px, py, s) = (x[0], x[1], x[2]);
    let (v, (dp, ds)) = p64(&x).use_scaled_grad(s);
    let (_, (dp32, ds32)) = p32(&to32(&x)).use_scaled_grad(s as f32);
    assert_all_close(
        &[v],
        &[s * s * px * py * py + 2.0 * py * py],
        TOL_64,
        "use_scaled value",
    );
    check_both_floats(
        "use_scaled",
        &x,
        &[dp.0, dp.1, ds],
        &[dp32.0, dp32.1, ds32],
        |y| p64(y).use_scaled(y[2]),
        |y| p32(y).use_scaled(y[2]),
        &[
            s * s * py * py,
            2.0 * s * s * px * py + 4.0 * py,
            2.0 * s * px * py * py,
        ],
    );
}

#[test]
fn tuple_result_bound_to_a_name_read_by_number() {
    // r² cos t sin t = r²/2 · sin 2t
    for x in [[2.0, 0.3], [-0.7, 1.9]] {
        let [r, t] = x;
        let (v, d) = t64::polar_area_grad(r, t);
        let (_, d32) = t32::polar_area_grad(r as f32, t as f32);
        assert_all_close(
            &[v],
            &[0.5 * r * r * (2.0 * t).sin()],
            TOL_64,
            "polar_area value",
        );
        check_both_floats(
            "polar_area",
            &x,
            &[d.0, d.1],
            &[d32.0, d32.1],
            |y| t64::polar_area(y[0], y[1]),
            |y| t32::polar_area(y[0], y[1]),
            &[r * (2.0 * t).sin(), r * r * (2.0 * t).cos()],
        );
        let (_, jv) = t64::polar_area_jvp(r, t, (1.0, -2.0));
        assert_all_close(
            &[jv],
            &[r * (2.0 * t).sin() - 2.0 * r * r * (2.0 * t).cos()],
            TOL_64,
            "polar_area J·t",
        );
        let (_, d) = t64::polar_first_grad(r, t);
        let (_, d32) = t32::polar_first_grad(r as f32, t as f32);
        check_both_floats(
            "polar_first",
            &x,
            &[d.0, d.1],
            &[d32.0, d32.1],
            |y| t64::polar_first(y[0], y[1]),
            |y| t32::polar_first(y[0], y[1]),
            &[2.0 * r * t.sin(), r * r * t.cos()],
        );
    }
}
