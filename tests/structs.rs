//! User structs as differentiable parameters (issue 8 §1): field reads
//! (`s.x`, `s.arm.l1`, `s.w[i]`), struct values built in the body
//! (`State { x, v }`, `..s`), structs passed to other differentiable
//! functions, and `#[nograd]` structs read as data.
//!
//! Every function is written once in `corpus!` and instantiated in f64 and
//! f32. Each gradient is checked against a closed form derived by hand (in
//! the test, in f64) and against central finite differences of the f64 and
//! of the f32 function, perturbing one field at a time. The derived
//! functions (JVP, VJP, Hessian, struct results) are in `structs/derived.rs`.

mod common;

use common::{assert_all_close, check_both_floats};

/// f64 values and gradients vs the closed form
const TOL_64: f64 = 1e-12;

macro_rules! corpus {
    ($F:ident) => {
        use macrograd::{differentiable, Differentiable};

        /// A pendulum's state.
        #[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
        pub struct State {
            pub theta: $F,
            pub omega: $F,
        }

        /// A two-link arm with a weight per joint, nested in a robot.
        #[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
        pub struct Arm {
            pub l1: $F,
            pub l2: $F,
            pub w: [$F; 3],
        }

        /// A struct holding another.
        #[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
        pub struct Robot {
            pub arm: Arm,
            pub mass: $F,
        }

        /// Energy of a pendulum: reads both fields.
        #[differentiable]
        pub fn energy(s: State, #[nograd] g: $F) -> $F {
            0.5 * s.omega * s.omega + g * (1.0 - s.theta.cos())
        }

        /// By reference, nested fields, array fields in an unrolled loop,
        /// one field (`arm.l2`) never read: its gradient is zero.
        #[differentiable]
        pub fn reach(r: &Robot, #[nograd] t: $F) -> $F {
            let mut s = 0.0;
            for i in 0..3 {
                s += r.arm.w[i] * (t * (i as $F + 1.0)).sin();
            }
            let arm = r.arm;
            r.mass * arm.l1 * arm.l1 + s * r.mass
        }

        /// Struct values built in the body: a literal and `..base`.
        #[differentiable]
        pub fn step(s: State, #[nograd] dt: $F) -> $F {
            let next = State {
                theta: s.theta + dt * s.omega,
                ..s
            };
            let half = State {
                omega: 0.5 * next.omega,
                theta: next.theta,
            };
            half.theta * half.omega + next.theta.sin()
        }

        /// Arm length reached by a two-link arm at fixed joint angles.
        #[differentiable]
        pub fn arm_len(a: &Arm, q: $F) -> $F {
            a.l1 * q.cos() + a.l2 * (2.0 * q).cos() + a.w[1] * a.w[1]
        }

        /// Structs passed to other differentiable functions: a parameter
        /// whole, a part of one by reference, a literal, and `..base` (the
        /// callee's gradient for `theta` belongs to the literal's value,
        /// the rest to `s`).
        #[differentiable]
        pub fn calls(s: State, r: Robot, #[nograd] g: $F) -> $F {
            let moved = State {
                theta: s.theta * r.mass,
                ..s
            };
            energy(s, g)
                + r.mass * arm_len(&r.arm, s.theta)
                + energy(
                    State {
                        theta: s.omega,
                        omega: r.arm.l2 * 3.0,
                    },
                    g,
                )
                + energy(moved, g)
        }

        /// One observation: data, not differentiable, no derive needed.
        pub struct Sample {
            pub t: $F,
            pub y: $F,
        }

        /// Least squares of a pendulum-like model over a slice of samples,
        /// read by field in run-time loops (`for p in data`, `data[i].t`).
        #[differentiable]
        pub fn fit(s: State, #[nograd] data: &[Sample]) -> $F {
            let mut loss = 0.0;
            for p in data {
                let r = s.theta * (s.omega * p.t).cos() - p.y;
                loss += r * r;
            }
            for i in 0..data.len() {
                loss += 0.1 * data[i].t * s.omega;
            }
            loss
        }

        /// A struct parameter by reference beside a float, with a Hessian:
        /// `_jvp` takes a `(State, F)` tangent, `_hvp` a `(State, F)`
        /// direction and gives `H·v` of the same shape. The body reads
        /// `omega`, then `theta`: the Hessian's order is (ω, θ, k).
        #[differentiable(hessian)]
        pub fn energy_k(s: &State, k: $F) -> $F {
            0.5 * s.omega * s.omega * k + (1.0 - s.theta.cos())
        }

        /// One explicit Euler step of a pendulum, as an array: `_vjp` takes
        /// a `[F; 2]` cotangent and gives a `State`; `_jvp` takes a
        /// `State` tangent.
        #[differentiable]
        pub fn step_arr(s: State, #[nograd] h: $F) -> [$F; 2] {
            [s.theta + h * s.omega, s.omega - h * s.theta.sin()]
        }

        /// A struct passed to a helper returning an array: pulled back
        /// through `step_arr`'s VJP.
        #[differentiable]
        pub fn step_loss(s: State, #[nograd] h: $F) -> $F {
            let [a, b] = step_arr(s, h);
            a * a + b * s.theta
        }

        /// A struct literal of floats passed to a helper returning an
        /// array: `_jvp` carries the literal's tangent into `step_arr_jvp`.
        #[differentiable]
        pub fn step_lit(theta: $F, omega: $F) -> $F {
            let [a, b] = step_arr(
                State {
                    theta,
                    omega: 2.0 * omega,
                },
                0.1,
            );
            a * b
        }

        /// Fields read inside a run-time `if`.
        #[differentiable]
        pub fn branch(s: State) -> $F {
            if s.theta > 0.0 {
                s.theta * s.omega
            } else {
                s.omega * s.omega
            }
        }
    };
}

mod c64 {
    corpus!(f64);
}

mod c32 {
    corpus!(f32);
}

fn state64(p: &[f64]) -> c64::State {
    c64::State {
        theta: p[0],
        omega: p[1],
    }
}

fn state32(p: &[f32]) -> c32::State {
    c32::State {
        theta: p[0],
        omega: p[1],
    }
}

#[test]
fn energy_gradient_is_a_state() {
    let g = 9.81;
    for x in [[0.3, -1.2], [1.7, 0.4], [-2.0, 0.9]] {
        let (v, d) = c64::energy_grad(state64(&x), g);
        assert_all_close(
            &[v],
            &[0.5 * x[1] * x[1] + g * (1.0 - x[0].cos())],
            TOL_64,
            "energy value",
        );
        let (_, d32) = c32::energy_grad(state32(&[x[0] as f32, x[1] as f32]), g as f32);
        check_both_floats(
            "energy",
            &x,
            &[d.theta, d.omega],
            &[d32.theta, d32.omega],
            |p| c64::energy(state64(p), g),
            |p| c32::energy(state32(p), g as f32),
            &[g * x[0].sin(), x[1]],
        );
    }
}

fn robot64(p: &[f64]) -> c64::Robot {
    c64::Robot {
        arm: c64::Arm {
            l1: p[0],
            l2: p[1],
            w: [p[2], p[3], p[4]],
        },
        mass: p[5],
    }
}

fn robot32(p: &[f32]) -> c32::Robot {
    c32::Robot {
        arm: c32::Arm {
            l1: p[0],
            l2: p[1],
            w: [p[2], p[3], p[4]],
        },
        mass: p[5],
    }
}

fn flat64(r: &c64::Robot) -> Vec<f64> {
    let a = &r.arm;
    vec![a.l1, a.l2, a.w[0], a.w[1], a.w[2], r.mass]
}

fn flat32(r: &c32::Robot) -> Vec<f32> {
    let a = &r.arm;
    vec![a.l1, a.l2, a.w[0], a.w[1], a.w[2], r.mass]
}

#[test]
fn nested_fields_by_reference_and_unread_fields_are_zero() {
    let t = 0.7;
    let x = [1.3, -0.4, 0.5, 2.0, -1.5, 0.8];
    let (v, d) = c64::reach_grad(&robot64(&x), t);
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let (_, d32) = c32::reach_grad(&robot32(&x32), t as f32);
    // f = m l1² + m Σ w_i sin(t (i + 1))
    let sins: Vec<f64> = (0..3).map(|i| (t * (i as f64 + 1.0)).sin()).collect();
    let s: f64 = (0..3).map(|i| x[2 + i] * sins[i]).sum();
    assert_all_close(
        &[v],
        &[x[5] * x[0] * x[0] + s * x[5]],
        TOL_64,
        "reach value",
    );
    let m = x[5];
    let expected = [
        2.0 * m * x[0],
        0.0,
        m * sins[0],
        m * sins[1],
        m * sins[2],
        x[0] * x[0] + s,
    ];
    check_both_floats(
        "reach",
        &x,
        &flat64(&d),
        &flat32(&d32),
        |p| c64::reach(&robot64(p), t),
        |p| c32::reach(&robot32(p), t as f32),
        &expected,
    );
    assert_eq!(
        d.arm.l2, 0.0,
        "a field the body never reads has a zero gradient"
    );
}

#[test]
fn struct_values_and_functional_update() {
    let dt = 0.1;
    for x in [[0.3, -1.2], [1.7, 0.4]] {
        let (_, d) = c64::step_grad(state64(&x), dt);
        let (_, d32) = c32::step_grad(state32(&[x[0] as f32, x[1] as f32]), dt as f32);
        // n = θ + dt ω; f = n · ω/2 + sin n
        let n = x[0] + dt * x[1];
        let expected = [
            0.5 * x[1] + n.cos(),
            0.5 * dt * x[1] + 0.5 * n + dt * n.cos(),
        ];
        check_both_floats(
            "step",
            &x,
            &[d.theta, d.omega],
            &[d32.theta, d32.omega],
            |p| c64::step(state64(p), dt),
            |p| c32::step(state32(p), dt as f32),
            &expected,
        );
    }
}

#[test]
fn fields_read_in_both_branches_of_an_if() {
    for x in [[0.3, -1.2], [-1.7, 0.4]] {
        let (_, d) = c64::branch_grad(state64(&x));
        let (_, d32) = c32::branch_grad(state32(&[x[0] as f32, x[1] as f32]));
        let expected = if x[0] > 0.0 {
            [x[1], x[0]]
        } else {
            [0.0, 2.0 * x[1]]
        };
        check_both_floats(
            "branch",
            &x,
            &[d.theta, d.omega],
            &[d32.theta, d32.omega],
            |p| c64::branch(state64(p)),
            |p| c32::branch(state32(p)),
            &expected,
        );
    }
}

#[test]
fn structs_passed_to_other_functions_match_closed_form_and_differences() {
    let g = 9.81;
    // x = [θ, ω, l1, l2, w0, w1, w2, m]
    let x = [0.4, -0.7, 1.3, 0.6, 0.5, 2.0, -1.5, 0.8];
    let split64 = |p: &[f64]| (state64(&p[0..2]), robot64(&p[2..8]));
    let split32 = |p: &[f32]| (state32(&p[0..2]), robot32(&p[2..8]));
    let (s, r) = split64(&x);
    let (_, (ds, dr)) = c64::calls_grad(s, r, g);
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let (s32, r32) = split32(&x32);
    let (_, (ds32, dr32)) = c32::calls_grad(s32, r32, g as f32);
    let (th, om, l1, l2, w1, m) = (x[0], x[1], x[2], x[3], x[5], x[7]);
    // f = ω²/2 + g(1 − cos θ)                       energy(s)
    //   + m (l1 cos θ + l2 cos 2θ + w1²)             m · arm_len(arm, θ)
    //   + (3 l2)²/2 + g(1 − cos ω)                   energy(literal)
    //   + ω²/2 + g(1 − cos(θ m))                     energy(moved)
    let expected = [
        g * th.sin() + m * (-l1 * th.sin() - 2.0 * l2 * (2.0 * th).sin()) + g * (th * m).sin() * m,
        om + g * om.sin() + om,
        m * th.cos(),
        m * (2.0 * th).cos() + 9.0 * l2,
        0.0,
        2.0 * m * w1,
        0.0,
        l1 * th.cos() + l2 * (2.0 * th).cos() + w1 * w1 + g * (th * m).sin() * th,
    ];
    let mut g64 = vec![ds.theta, ds.omega];
    g64.extend(flat64(&dr));
    let mut g32 = vec![ds32.theta, ds32.omega];
    g32.extend(flat32(&dr32));
    check_both_floats(
        "calls",
        &x,
        &g64,
        &g32,
        |p| {
            let (s, r) = split64(p);
            c64::calls(s, r, g)
        },
        |p| {
            let (s, r) = split32(p);
            c32::calls(s, r, g as f32)
        },
        &expected,
    );
}

#[test]
fn slices_of_structs_are_data_read_in_run_time_loops() {
    let ts = [0.1, 0.5, 1.2, 2.0];
    let ys = [1.0, 0.7, -0.2, -0.9];
    let data64: Vec<c64::Sample> = ts
        .iter()
        .zip(&ys)
        .map(|(&t, &y)| c64::Sample { t, y })
        .collect();
    let data32: Vec<c32::Sample> = ts
        .iter()
        .zip(&ys)
        .map(|(&t, &y)| c32::Sample {
            t: t as f32,
            y: y as f32,
        })
        .collect();
    let x = [0.9, 1.4];
    let (_, d) = c64::fit_grad(state64(&x), &data64);
    let (_, d32) = c32::fit_grad(state32(&[x[0] as f32, x[1] as f32]), &data32);
    // f = Σ (θ cos(ω t) − y)² + 0.1 ω Σ t
    let (mut dth, mut dom) = (0.0, 0.0);
    for (&t, &y) in ts.iter().zip(&ys) {
        let r = x[0] * (x[1] * t).cos() - y;
        dth += 2.0 * r * (x[1] * t).cos();
        dom += -2.0 * r * x[0] * t * (x[1] * t).sin() + 0.1 * t;
    }
    check_both_floats(
        "fit",
        &x,
        &[d.theta, d.omega],
        &[d32.theta, d32.omega],
        |p| c64::fit(state64(p), &data64),
        |p| c32::fit(state32(p), &data32),
        &[dth, dom],
    );
    // the JVP carries a `State` tangent through the run-time loops
    let t = c64::State {
        theta: 0.3,
        omega: -1.1,
    };
    let (v, jv) = c64::fit_jvp(state64(&x), &data64, t);
    assert_all_close(
        &[v],
        &[c64::fit(state64(&x), &data64)],
        TOL_64,
        "fit_jvp value",
    );
    assert_all_close(&[jv], &[dth * t.theta + dom * t.omega], TOL_64, "fit J·t");
    let t32 = c32::State {
        theta: 0.3,
        omega: -1.1,
    };
    let (_, jv32) = c32::fit_jvp(state32(&[x[0] as f32, x[1] as f32]), &data32, t32);
    assert_all_close(
        &[f64::from(jv32)],
        &[dth * 0.3 - dom * 1.1],
        1e-4,
        "f32 fit J·t",
    );
    // and through a run-time `if`, on both sides
    for x in [[0.8, -0.6], [-0.8, -0.6]] {
        let (_, jv) = c64::branch_jvp(state64(&x), t);
        let expected = if x[0] > 0.0 {
            x[1] * t.theta + x[0] * t.omega
        } else {
            2.0 * x[1] * t.omega
        };
        assert_all_close(&[jv], &[expected], TOL_64, "branch J·t");
    }
}

#[path = "structs/after_exits.rs"]
mod after_exits;
#[path = "structs/derived.rs"]
mod derived;
#[path = "structs/jacobians.rs"]
mod jacobians;
#[path = "structs/method_results.rs"]
mod method_results;
#[path = "structs/named_results.rs"]
mod named_results;
#[path = "structs/results.rs"]
mod results;
#[path = "structs/results_calls.rs"]
mod results_calls;
#[path = "structs/returned_whole.rs"]
mod returned_whole;
#[path = "structs/self_by_value.rs"]
mod self_by_value;
#[path = "structs/tuple_structs.rs"]
mod tuple_structs;
#[path = "structs/whole_results.rs"]
mod whole_results;
