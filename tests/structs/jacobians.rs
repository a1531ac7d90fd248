//! `name_jacobian` of functions that pass a struct on whole to a call or
//! build their struct result with `..base` (assembled from `name_jvp` or
//! `name_vjp` calls, whichever makes fewer): free functions and methods,
//! array, tuple and struct results, forward and reverse, through a
//! run-time loop. A struct parameter's columns are all its floats in
//! declaration order. Checked in f64 and f32 against closed forms and
//! central differences.

use super::results::{check_jacobian, flat_robot, r32, r64, rows};
use super::*;
use common::numeric_grad_f32;

macro_rules! jac {
    ($F:ident, $c:ident, $r:ident) => {
        use super::super::results::$r::kick;
        use super::super::$c::State;
        use macrograd::differentiable;

        /// Passes `s` on, two inputs and three outputs: forward sweeps.
        #[differentiable]
        pub fn fan(s: State) -> [$F; 3] {
            let State { theta, omega } = kick(s, 2.0);
            [theta, omega * s.theta, theta + omega]
        }

        /// A tuple parameter and a tuple result, four inputs and two
        /// outputs: reverse sweeps.
        #[differentiable]
        pub fn pair(s: State, p: ($F, $F)) -> ($F, $F) {
            let State { theta, omega } = kick(s, p.0);
            (theta * p.1, omega + p.0 * p.1)
        }

        /// Four inputs and five outputs: forward sweeps with tuple parts.
        #[differentiable]
        pub fn spread(s: State, p: ($F, $F)) -> ($F, $F, $F, $F, $F) {
            let State { theta, omega } = kick(s, p.0);
            (theta, omega, p.1 * theta, p.0, omega * p.1)
        }

        /// A call passing `s` on inside a run-time loop: forward sweeps
        /// though there are more inputs (3) than outputs (2).
        #[differentiable]
        pub fn rollout(s: State, k: $F, n: usize) -> [$F; 2] {
            let mut acc = 0.0;
            for _ in 0..n {
                let State { theta, .. } = kick(s, k);
                acc += theta * theta;
            }
            [acc, s.omega * k]
        }
    };
}

mod j64 {
    jac!(f64, c64, r64);
}

mod j32 {
    jac!(f32, c32, r32);
}

/// The f32 Jacobian `jac32` against central differences of the f32
/// function `f` at `x` (f32 rounding: 5e-2).
fn check_jacobian32_fd(what: &str, jac32: &[Vec<f64>], f: impl Fn(&[f32]) -> Vec<f32>, x: &[f64]) {
    let x32: Vec<f32> = x.iter().map(|&e| e as f32).collect();
    for (i, row) in jac32.iter().enumerate() {
        let fd: Vec<f64> = numeric_grad_f32(|p| f(p)[i], &x32)
            .into_iter()
            .map(f64::from)
            .collect();
        assert_all_close(
            row,
            &fd,
            5e-2,
            &format!("{what} f32 row {i} vs differences"),
        );
    }
}

const POINTS: [[f64; 3]; 3] = [[0.3, -1.2, 1.5], [1.7, 0.4, -0.6], [-0.8, 2.1, 0.9]];

#[test]
fn jacobian_of_functions_passing_a_struct_on() {
    for [theta, omega, k] in POINTS {
        let s = state64(&[theta, omega]);
        let s32 = state32(&[theta as f32, omega as f32]);
        // pass_on: kick gives (kθ, ω); result [kθω, θ + ω]; columns (θ, ω, k)
        let (v, j) = r64::pass_on_jacobian(s, k);
        assert_eq!(v, r64::pass_on(s, k));
        let (_, j32) = r32::pass_on_jacobian(s32, k as f32);
        let cj = vec![
            vec![k * omega, k * theta, theta * omega],
            vec![1.0, 1.0, 0.0],
        ];
        let x = [theta, omega, k];
        let f = |p: &[f64]| r64::pass_on(state64(p), p[2]).to_vec();
        check_jacobian("pass_on", &rows(&j), &rows(&j32), &cj, f, &x);
        let f32_ = |p: &[f32]| r32::pass_on(state32(p), p[2]).to_vec();
        check_jacobian32_fd("pass_on", &rows(&j32), f32_, &x);
        // pass_struct: (θ', ω') = (ω, kθω)
        let (v, j) = r64::pass_struct_jacobian(s, k);
        assert_eq!(v, r64::pass_struct(s, k));
        let (_, j32) = r32::pass_struct_jacobian(s32, k as f32);
        let cj = vec![
            vec![0.0, 1.0, 0.0],
            vec![k * omega, k * theta, theta * omega],
        ];
        let f = |p: &[f64]| {
            let r = r64::pass_struct(state64(p), p[2]);
            vec![r.theta, r.omega]
        };
        check_jacobian("pass_struct", &rows(&j), &rows(&j32), &cj, f, &x);
        // fan: [2θ, ωθ, 2θ + ω] over (θ, ω), by forward sweeps
        let (v, j) = j64::fan_jacobian(s);
        assert_eq!(v, j64::fan(s));
        let (_, j32) = j32::fan_jacobian(s32);
        let cj = vec![vec![2.0, 0.0], vec![omega, theta], vec![2.0, 1.0]];
        let f = |p: &[f64]| j64::fan(state64(p)).to_vec();
        check_jacobian("fan", &rows(&j), &rows(&j32), &cj, f, &x[..2]);
        let f32_ = |p: &[f32]| j32::fan(state32(p)).to_vec();
        check_jacobian32_fd("fan", &rows(&j32), f32_, &x[..2]);
    }
}

#[test]
fn jacobian_with_tuple_parts_both_ways() {
    for [theta, omega, k] in POINTS {
        let (p0, p1) = (k, 0.5 - k);
        let s = state64(&[theta, omega]);
        let s32 = state32(&[theta as f32, omega as f32]);
        let x = [theta, omega, p0, p1];
        // pair = (p₀θp₁, ω + p₀p₁) over (θ, ω, p.0, p.1): reverse
        let (v, j) = j64::pair_jacobian(s, (p0, p1));
        assert_eq!(v, j64::pair(s, (p0, p1)));
        let (_, j32) = j32::pair_jacobian(s32, (p0 as f32, p1 as f32));
        let cj = vec![
            vec![p0 * p1, 0.0, theta * p1, p0 * theta],
            vec![0.0, 1.0, p1, p0],
        ];
        let f = |p: &[f64]| {
            let (a, b) = j64::pair(state64(p), (p[2], p[3]));
            vec![a, b]
        };
        check_jacobian("pair", &rows(&j), &rows(&j32), &cj, f, &x);
        let f32_ = |p: &[f32]| {
            let (a, b) = j32::pair(state32(p), (p[2], p[3]));
            vec![a, b]
        };
        check_jacobian32_fd("pair", &rows(&j32), f32_, &x);
        // spread = (p₀θ, ω, p₁p₀θ, p₀, ωp₁): forward
        let (v, j) = j64::spread_jacobian(s, (p0, p1));
        assert_eq!(v, j64::spread(s, (p0, p1)));
        let (_, j32) = j32::spread_jacobian(s32, (p0 as f32, p1 as f32));
        let cj = vec![
            vec![p0, 0.0, theta, 0.0],
            vec![0.0, 1.0, 0.0, 0.0],
            vec![p0 * p1, 0.0, p1 * theta, p0 * theta],
            vec![0.0, 0.0, 1.0, 0.0],
            vec![0.0, p1, 0.0, omega],
        ];
        let f = |p: &[f64]| {
            let r = j64::spread(state64(p), (p[2], p[3]));
            vec![r.0, r.1, r.2, r.3, r.4]
        };
        check_jacobian("spread", &rows(&j), &rows(&j32), &cj, f, &x);
    }
}

#[test]
fn jacobian_through_a_run_time_loop() {
    for [theta, omega, k] in POINTS {
        for n in [0_usize, 1, 3] {
            let s = state64(&[theta, omega]);
            let nf = n as f64;
            // [n k²θ², ωk] over (θ, ω, k)
            let (v, j) = j64::rollout_jacobian(s, k, n);
            assert_eq!(v, j64::rollout(s, k, n));
            let (_, j32) =
                j32::rollout_jacobian(state32(&[theta as f32, omega as f32]), k as f32, n);
            let cj = vec![
                vec![2.0 * nf * k * k * theta, 0.0, 2.0 * nf * k * theta * theta],
                vec![0.0, k, omega],
            ];
            let f = |p: &[f64]| j64::rollout(state64(p), p[2], n).to_vec();
            check_jacobian(
                "rollout",
                &rows(&j),
                &rows(&j32),
                &cj,
                f,
                &[theta, omega, k],
            );
        }
    }
}

#[test]
fn jacobian_of_struct_results_with_base() {
    for [theta, omega, k] in POINTS {
        let s = state64(&[theta, omega]);
        let s32 = state32(&[theta as f32, omega as f32]);
        // kick: (kθ, ω) over (θ, ω, k), ω copied by `..s`
        let (v, j) = r64::kick_jacobian(s, k);
        assert_eq!(v, r64::kick(s, k));
        let (_, j32) = r32::kick_jacobian(s32, k as f32);
        let cj = vec![vec![k, 0.0, theta], vec![0.0, 1.0, 0.0]];
        let f = |p: &[f64]| {
            let r = r64::kick(state64(p), p[2]);
            vec![r.theta, r.omega]
        };
        check_jacobian("kick", &rows(&j), &rows(&j32), &cj, f, &[theta, omega, k]);
        // shift: (θ + x, ω) with `s` as data: one column, forward
        let (v, j) = r64::shift_jacobian(s, k);
        assert_eq!(v, r64::shift(s, k));
        assert_eq!(j, [[1.0], [0.0]]);
        let (_, j32) = r32::shift_jacobian(s32, k as f32);
        assert_eq!(j32, [[1.0], [0.0]]);
    }
    // bend: arm.l1' = a·l1, every other float copied; columns: the
    // robot's six floats in declaration order, then a
    let r = c64::Robot {
        arm: c64::Arm {
            l1: 0.9,
            l2: -0.4,
            w: [0.1, 0.2, 0.3],
        },
        mass: 2.5,
    };
    let a = 1.7;
    let (v, j) = r64::bend_jacobian(&r, a);
    assert_eq!(v, r64::bend(&r, a));
    let r32_ = c32::Robot {
        arm: c32::Arm {
            l1: 0.9,
            l2: -0.4,
            w: [0.1, 0.2, 0.3],
        },
        mass: 2.5,
    };
    let (_, j32) = r32::bend_jacobian(&r32_, a as f32);
    let mut cj = vec![vec![0.0; 7]; 6];
    for (i, row) in cj.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    cj[0][0] = a;
    cj[0][6] = 0.9;
    let robot = |p: &[f64]| c64::Robot {
        arm: c64::Arm {
            l1: p[0],
            l2: p[1],
            w: [p[2], p[3], p[4]],
        },
        mass: p[5],
    };
    let mut x = flat_robot(&r);
    x.push(a);
    let f = |p: &[f64]| flat_robot(&r64::bend(&robot(p), p[6]));
    check_jacobian("bend", &rows(&j), &rows(&j32), &cj, f, &x);
}
