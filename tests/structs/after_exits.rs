//! A struct value, and the struct a helper returns, bound after a
//! `continue` or a `break` of a run-time loop (issue 8): on an iteration
//! that left early the binding holds the struct's zero, otherwise its
//! value. Checked in f64 and f32 against closed forms and central
//! differences.

use super::results::flat_robot;
use super::*;
use common::numeric_grad;

macro_rules! after_exits {
    ($F:ident, $c:ident) => {
        use super::$c::{Arm, Robot, State};
        use macrograd::differentiable;

        /// A rotation-like helper returning a struct: its arguments change
        /// with each iteration.
        #[differentiable]
        pub fn twist(s: State, a: $F) -> State {
            State {
                theta: a * s.omega,
                omega: s.theta + a,
            }
        }

        /// `Σ_{i < n, i ≠ skip} (t.θ·p.ω + p.θ)` with `t = (i·x, x·y)` and
        /// `p = twist(t, y) = (y·x·y, i·x + y)`: both bound after `continue`.
        #[differentiable]
        pub fn skipping(x: $F, y: $F, n: usize, skip: usize) -> $F {
            let mut acc = 0.0;
            for i in 0..n {
                if i == skip {
                    continue;
                }
                let t = State {
                    theta: x * (i as $F),
                    omega: y * x,
                };
                let State {
                    theta: pt,
                    omega: po,
                } = twist(t, y);
                acc += t.theta * po + pt;
            }
            acc
        }

        /// `Σ_{i < stop} (t.ω·p.θ + t.θ)` with `t = (x + i, x·y)` and
        /// `p = twist(t, x) = (x²·y, x + i + x)`, the loop left by `break`
        /// at `i = stop`; the helper's result is taken apart by a pattern.
        #[differentiable]
        pub fn stopping(x: $F, y: $F, n: usize, stop: usize) -> $F {
            let mut acc = 0.0;
            for i in 0..n {
                if i == stop {
                    break;
                }
                let t = State {
                    theta: x + (i as $F),
                    omega: x * y,
                };
                let State { theta, omega } = twist(t, x);
                acc += t.omega * theta + t.theta + 0.0 * omega;
            }
            acc
        }

        /// `Σ_{i < stop} (t.ω·k + t.θ)` with the tuple `(t, k) = ((x + i,
        /// x·y), x + y)` holding a struct, bound after a `break`.
        #[differentiable]
        pub fn paired(x: $F, y: $F, n: usize, stop: usize) -> $F {
            let mut acc = 0.0;
            for i in 0..n {
                if i == stop {
                    break;
                }
                let (t, k) = (
                    State {
                        theta: x + (i as $F),
                        omega: x * y,
                    },
                    x + y,
                );
                acc += t.omega * k + t.theta;
            }
            acc
        }

        /// Struct values with an array field and `..` from a parameter,
        /// after a `continue`: each counted `i` adds
        /// `x·m·l2 + l1·x + m·i` (`m` the mass, `l1`, `l2` the arm's).
        #[differentiable]
        pub fn reaching(r: Robot, x: $F, n: usize, skip: usize) -> $F {
            let mut acc = 0.0;
            for i in 0..n {
                if i == skip {
                    continue;
                }
                let a = Arm {
                    w: [x * r.mass, x, r.arm.l1],
                    ..r.arm
                };
                let q = Robot { arm: a, ..r };
                acc += q.arm.w[0] * q.arm.l2 + q.arm.w[2] * x + q.mass * (i as $F);
            }
            acc
        }
    };
}

pub mod e64 {
    after_exits!(f64, c64);
}

pub mod e32 {
    after_exits!(f32, c32);
}

/// `skipping` and its gradient over (x, y) by hand: each counted `i`
/// adds `i·x·(i·x + y) + x·y²`.
fn skipping_closed(x: f64, y: f64, n: usize, skip: usize) -> [f64; 3] {
    let mut out = [0.0; 3];
    for i in (0..n).filter(|&i| i != skip) {
        let i = i as f64;
        out[0] += i * x * (i * x + y) + x * y * y;
        out[1] += 2.0 * i * i * x + i * y + y * y;
        out[2] += i * x + 2.0 * x * y;
    }
    out
}

/// `stopping` and its gradient by hand: each `i < min(n, stop)` adds
/// `x·y·x²·y + x + i = x³y² + x + i`.
fn stopping_closed(x: f64, y: f64, n: usize, stop: usize) -> [f64; 3] {
    let mut out = [0.0; 3];
    for i in 0..n.min(stop) {
        out[0] += x.powi(3) * y * y + x + i as f64;
        out[1] += 3.0 * x * x * y * y + 1.0;
        out[2] += 2.0 * x.powi(3) * y;
    }
    out
}

#[test]
fn struct_value_and_helper_result_after_continue() {
    for (x, y, n, skip) in [
        (0.7_f64, -1.3_f64, 5, 2),
        (-0.4, 0.9, 4, 0),
        (1.1, 0.3, 3, 7),
    ] {
        let expected = skipping_closed(x, y, n, skip);
        let (v, (dx, dy)) = e64::skipping_grad(x, y, n, skip);
        let what = format!("skipping n {n} skip {skip}");
        assert_all_close(&[v, dx, dy], &expected, TOL_64, &what);
        let fd = numeric_grad(|p| e64::skipping(p[0], p[1], n, skip), &[x, y]);
        assert_all_close(&[dx, dy], &fd, 1e-7, &what);
        let (v32, (dx32, dy32)) = e32::skipping_grad(x as f32, y as f32, n, skip);
        let got32 = [v32, dx32, dy32].map(f64::from);
        assert_all_close(&got32, &expected, 1e-4, &what);
    }
}

#[test]
fn struct_value_and_helper_result_after_break() {
    for (x, y, n, stop) in [
        (0.7_f64, -1.3_f64, 5, 3),
        (-0.4, 0.9, 4, 0),
        (1.1, 0.3, 3, 9),
    ] {
        let expected = stopping_closed(x, y, n, stop);
        let (v, (dx, dy)) = e64::stopping_grad(x, y, n, stop);
        let what = format!("stopping n {n} stop {stop}");
        assert_all_close(&[v, dx, dy], &expected, TOL_64, &what);
        let fd = numeric_grad(|p| e64::stopping(p[0], p[1], n, stop), &[x, y]);
        assert_all_close(&[dx, dy], &fd, 1e-7, &what);
        let (v32, (dx32, dy32)) = e32::stopping_grad(x as f32, y as f32, n, stop);
        let got32 = [v32, dx32, dy32].map(f64::from);
        assert_all_close(&got32, &expected, 1e-4, &what);
    }
}

#[test]
fn struct_values_with_array_field_and_base_after_continue() {
    let robot = |p: &[f64]| c64::Robot {
        arm: c64::Arm {
            l1: p[0],
            l2: p[1],
            w: [p[2], p[3], p[4]],
        },
        mass: p[5],
    };
    let p0 = [0.9, -0.4, 0.1, 0.2, 0.3, 2.5];
    for (x, n, skip) in [(0.7_f64, 5, 2), (-1.2, 3, 0), (0.4, 2, 6)] {
        let r = robot(&p0);
        let (l1, l2, m) = (p0[0], p0[1], p0[5]);
        // over (l1, l2, w0, w1, w2, m, x)
        let mut expected = [0.0; 8];
        for i in (0..n).filter(|&i| i != skip) {
            let i = i as f64;
            expected[0] += x * m * l2 + l1 * x + m * i;
            expected[1] += x;
            expected[2] += x * m;
            expected[6] += x * l2 + i;
            expected[7] += m * l2 + l1;
        }
        let what = format!("reaching n {n} skip {skip}");
        let (v, (dr, dx)) = e64::reaching_grad(r, x, n, skip);
        let mut got = vec![v];
        got.extend(flat_robot(&dr));
        got.push(dx);
        assert_all_close(&got, &expected, TOL_64, &what);
        let mut q0 = p0.to_vec();
        q0.push(x);
        let fd = numeric_grad(|q| e64::reaching(robot(q), q[6], n, skip), &q0);
        assert_all_close(&got[1..], &fd, 1e-7, &what);
        let r32 = c32::Robot {
            arm: c32::Arm {
                l1: 0.9,
                l2: -0.4,
                w: [0.1, 0.2, 0.3],
            },
            mass: 2.5,
        };
        let (v32, (dr32, dx32)) = e32::reaching_grad(r32, x as f32, n, skip);
        let mut got32 = vec![v32, dr32.arm.l1, dr32.arm.l2];
        got32.extend(dr32.arm.w);
        got32.extend([dr32.mass, dx32]);
        let got32: Vec<f64> = got32.into_iter().map(f64::from).collect();
        assert_all_close(&got32, &expected, 1e-4, &what);
    }
}

#[test]
fn tuple_holding_a_struct_after_break() {
    for (x, y, n, stop) in [
        (0.7_f64, -1.3_f64, 5, 3),
        (-0.4, 0.9, 4, 0),
        (1.1, 0.3, 3, 9),
    ] {
        // each i < min(n, stop) adds x·y·(x + y) + x + i
        let mut expected = [0.0; 3];
        for i in 0..n.min(stop) {
            expected[0] += x * y * (x + y) + x + i as f64;
            expected[1] += 2.0 * x * y + y * y + 1.0;
            expected[2] += x * x + 2.0 * x * y;
        }
        let what = format!("paired n {n} stop {stop}");
        let (v, (dx, dy)) = e64::paired_grad(x, y, n, stop);
        assert_all_close(&[v, dx, dy], &expected, TOL_64, &what);
        let fd = numeric_grad(|p| e64::paired(p[0], p[1], n, stop), &[x, y]);
        assert_all_close(&[dx, dy], &fd, 1e-7, &what);
        let (v32, (dx32, dy32)) = e32::paired_grad(x as f32, y as f32, n, stop);
        let got32 = [v32, dx32, dy32].map(f64::from);
        assert_all_close(&got32, &expected, 1e-4, &what);
    }
}
