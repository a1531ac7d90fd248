//! Functions returning a struct: `name_jacobian` (rows: the struct's
//! floats in declaration order, whatever order the body's literal writes
//! them in; columns: the differentiable elements as its rustdoc lists
//! them), checked in f64 and f32 against closed forms and central
//! differences. The corpus (`results!`) also serves `results_calls.rs`:
//! `..base` in a result, nested patterns, struct variables, `_vjp` of
//! functions passing a struct on.

use super::*;
use common::numeric_grad;

macro_rules! results {
    ($F:ident, $c:ident) => {
        use super::$c::{Arm, Robot, State};
        use macrograd::differentiable;

        /// Polar to Cartesian, the literal writing `omega` before `theta`:
        /// the rows still follow the declaration (θ, ω).
        #[differentiable]
        pub fn polar(r: $F, t: $F) -> State {
            State {
                omega: r * t.sin(),
                theta: r * t.cos(),
            }
        }

        /// A nested struct with an array field, written out of order: six
        /// rows (arm.l1, arm.l2, arm.w[0..3], mass), two columns (a, b),
        /// built by forward sweeps.
        #[differentiable]
        pub fn grow(a: $F, b: $F) -> Robot {
            Robot {
                mass: a * b,
                arm: Arm {
                    w: [a, b * b, a.sin()],
                    l2: b,
                    l1: a * a,
                },
            }
        }

        /// Three inputs, two outputs: built by reverse sweeps.
        #[differentiable]
        pub fn mix(x: [$F; 3]) -> State {
            State {
                omega: x[0] * x[1],
                theta: x[2].exp() + x[0],
            }
        }

        /// A struct parameter: the columns are its fields in the order the
        /// body first reads them, `s.theta` (settled by `.sin()`) then
        /// `s.omega`.
        #[differentiable]
        pub fn step(s: State, #[nograd] h: $F) -> State {
            State {
                omega: s.omega - h * s.theta.sin(),
                theta: s.theta + h * s.omega,
            }
        }

        /// `..base` from a struct parameter: `omega` is copied, never read.
        #[differentiable]
        pub fn kick(s: State, k: $F) -> State {
            State {
                theta: k * s.theta,
                ..s
            }
        }

        /// Nested `..base`: `arm.l2`, `arm.w` and `mass` are copied, from
        /// a parameter by reference.
        #[differentiable]
        pub fn bend(r: &Robot, a: $F) -> Robot {
            Robot {
                arm: Arm {
                    l1: a * r.arm.l1,
                    ..r.arm
                },
                ..*r
            }
        }

        /// `..base` from a struct built in the body: its fields are known.
        #[differentiable]
        pub fn halve(s: State, k: $F) -> State {
            let mid = State {
                theta: 2.0 * s.theta,
                omega: s.omega * s.theta,
            };
            State {
                omega: k * mid.omega,
                ..mid
            }
        }

        /// `..base` from a `#[nograd]` parameter: its part has no tangent.
        #[differentiable]
        pub fn shift(#[nograd] s: State, x: $F) -> State {
            State {
                theta: s.theta + x,
                ..s
            }
        }

        /// A struct holding a struct.
        #[derive(Clone, Copy, Debug, PartialEq, macrograd::Differentiable)]
        pub struct Pair {
            pub a: State,
            pub b: $F,
        }

        /// A nested struct result.
        #[differentiable]
        pub fn split(s: State, k: $F) -> Pair {
            Pair {
                a: State {
                    theta: k * s.omega,
                    omega: s.theta.sin(),
                },
                b: s.theta * s.omega,
            }
        }

        /// Its call taken apart by a nested struct pattern.
        #[differentiable]
        pub fn use_split(s: State, k: $F) -> $F {
            let Pair {
                a: State { theta, omega },
                b,
            } = split(s, k);
            theta * omega + b * b
        }

        /// The same in forward mode (one float parameter), a nested
        /// pattern with `..`.
        #[differentiable]
        pub fn use_split_of(x: $F) -> $F {
            let Pair {
                a: State { theta, .. },
                b,
            } = split(
                State {
                    theta: x,
                    omega: 2.0,
                },
                0.5,
            );
            theta + b * x
        }

        /// A struct variable carried whole through a run-time loop: each
        /// call's result is taken apart by the variable's fields.
        #[differentiable]
        pub fn carried(s0: State, #[nograd] h: $F, steps: usize) -> $F {
            let mut s = State {
                theta: s0.theta,
                omega: s0.omega,
            };
            for _ in 0..steps {
                s = step(s, h);
            }
            s.theta * s.theta + s.omega
        }

        /// Reassigned in straight-line code, in forward mode.
        #[differentiable]
        pub fn twice(x: $F, #[nograd] h: $F) -> $F {
            let mut s = State {
                theta: x,
                omega: 0.5,
            };
            s = step(s, h);
            s = step(s, h);
            s.theta * s.omega
        }

        /// A vector result passing its struct parameter on whole: `_vjp`
        /// (reverse sweep), no `_jvp` or `_jacobian` yet.
        #[differentiable]
        pub fn pass_on(s: State, k: $F) -> [$F; 2] {
            let State { theta, omega } = kick(s, k);
            [theta * omega, s.theta + omega]
        }

        /// The same with a struct result.
        #[differentiable]
        pub fn pass_struct(s: State, k: $F) -> State {
            let State { theta, omega } = kick(s, k);
            State {
                theta: omega,
                omega: theta * s.omega,
            }
        }

        /// A `#[nograd]` struct's part in a literal passed to a vector
        /// helper, in forward mode (one float parameter): its tangent is
        /// zero.
        #[differentiable]
        pub fn lit_rest(x: $F, #[nograd] s: State) -> $F {
            let [a, b] = super::$c::step_arr(State { theta: x, ..s }, 0.1);
            a * b
        }

        /// A caller of `kick`: pulled back through its VJP (reverse) and
        /// carried through its JVP (the same in forward mode).
        #[differentiable]
        pub fn kicked(s: State, k: $F) -> $F {
            let State { theta, omega } = kick(s, k);
            theta * omega + omega
        }
    };
}

pub(super) mod r64 {
    results!(f64, c64);
}

pub(super) mod r32 {
    results!(f32, c32);
}

/// The Jacobian `jac` (f64 and f32, `m × n`) against the closed form `cj`
/// and central differences of `f` (the result flattened in declaration
/// order) at `x`.
pub(super) fn check_jacobian(
    what: &str,
    jac: &[Vec<f64>],
    jac32: &[Vec<f64>],
    cj: &[Vec<f64>],
    f: impl Fn(&[f64]) -> Vec<f64>,
    x: &[f64],
) {
    for (i, row) in cj.iter().enumerate() {
        assert_all_close(&jac[i], row, TOL_64, &format!("{what} row {i}"));
        assert_all_close(&jac32[i], row, 1e-5, &format!("{what} f32 row {i}"));
        let fd = numeric_grad(|p| f(p)[i], x);
        assert_all_close(
            &jac[i],
            &fd,
            1e-8,
            &format!("{what} row {i} vs differences"),
        );
    }
}

pub(super) fn rows<const N: usize, T: Copy + Into<f64>>(j: &[[T; N]]) -> Vec<Vec<f64>> {
    j.iter()
        .map(|r| r.iter().map(|&x| x.into()).collect())
        .collect()
}

pub(super) fn flat_robot(r: &c64::Robot) -> Vec<f64> {
    let mut v = vec![r.arm.l1, r.arm.l2];
    v.extend(r.arm.w);
    v.push(r.mass);
    v
}

#[test]
fn struct_result_jacobian_rows_in_declaration_order() {
    for (r, t) in [(1.3_f64, 0.4_f64), (0.7, -2.1)] {
        let (v, j) = r64::polar_jacobian(r, t);
        assert_eq!(v, r64::polar(r, t));
        let (_, j32) = r32::polar_jacobian(r as f32, t as f32);
        let cj = vec![vec![t.cos(), -r * t.sin()], vec![t.sin(), r * t.cos()]];
        let f = |p: &[f64]| {
            let s = r64::polar(p[0], p[1]);
            vec![s.theta, s.omega]
        };
        check_jacobian("polar", &rows(&j), &rows(&j32), &cj, f, &[r, t]);
    }
}

#[test]
fn nested_struct_result_jacobian() {
    for (a, b) in [(0.8_f64, -1.4_f64), (2.2, 0.3)] {
        let (v, j) = r64::grow_jacobian(a, b);
        assert_eq!(v, r64::grow(a, b));
        let (_, j32) = r32::grow_jacobian(a as f32, b as f32);
        // rows: arm.l1 = a², arm.l2 = b, arm.w = (a, b², sin a), mass = ab
        let cj = vec![
            vec![2.0 * a, 0.0],
            vec![0.0, 1.0],
            vec![1.0, 0.0],
            vec![0.0, 2.0 * b],
            vec![a.cos(), 0.0],
            vec![b, a],
        ];
        let f = |p: &[f64]| flat_robot(&r64::grow(p[0], p[1]));
        check_jacobian("grow", &rows(&j), &rows(&j32), &cj, f, &[a, b]);
    }
}

#[test]
fn struct_result_jacobian_by_reverse_sweeps() {
    let x = [0.5_f64, -1.5, 0.25];
    let (v, j) = r64::mix_jacobian(x);
    assert_eq!(v, r64::mix(x));
    let (_, j32) = r32::mix_jacobian(x.map(|e| e as f32));
    // θ = e^{x₂} + x₀, ω = x₀x₁
    let cj = vec![vec![1.0, 0.0, x[2].exp()], vec![x[1], x[0], 0.0]];
    let f = |p: &[f64]| {
        let s = r64::mix([p[0], p[1], p[2]]);
        vec![s.theta, s.omega]
    };
    check_jacobian("mix", &rows(&j), &rows(&j32), &cj, f, &x);
}

#[test]
fn struct_result_jacobian_over_a_struct_parameter() {
    let h = 0.1;
    for (theta, omega) in [(0.3_f64, -1.2_f64), (1.7, 0.4)] {
        let s = state64(&[theta, omega]);
        let (v, j) = r64::step_jacobian(s, h);
        assert_eq!(v, r64::step(s, h));
        let (_, j32) = r32::step_jacobian(state32(&[theta as f32, omega as f32]), h as f32);
        // rows (θ', ω'), columns (θ, ω): θ' = θ + hω, ω' = ω − h sin θ
        let cj = vec![vec![1.0, h], vec![-h * theta.cos(), 1.0]];
        let f = |p: &[f64]| {
            let n = r64::step(state64(p), h);
            vec![n.theta, n.omega]
        };
        check_jacobian("step", &rows(&j), &rows(&j32), &cj, f, &[theta, omega]);
    }
}

mod readme {
    //! The README's struct-result example, as written there.
    use macrograd::{differentiable, Differentiable};

    #[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
    pub struct State {
        pub x: f64,
        pub v: f64,
    }

    #[differentiable]
    pub fn step(s: State, #[nograd] h: f64) -> State {
        State {
            x: s.x + h * s.v,
            v: s.v - h * s.x,
        }
    }

    #[differentiable]
    pub fn drift(s: State, #[nograd] h: f64) -> State {
        State { x: s.x + h, ..s }
    }
}

#[test]
fn readme_struct_result_example() {
    use readme::State;
    let s = State { x: 1.0, v: 2.0 };
    let (next, d) = readme::step_vjp(s, 0.5, State { x: 1.0, v: 0.0 });
    assert_eq!(
        (next, d),
        (State { x: 2.0, v: 1.5 }, State { x: 1.0, v: 0.5 })
    );
    let (_, j) = readme::step_jacobian(s, 0.5);
    assert_eq!(j, [[0.5, 1.0], [1.0, -0.5]]);
    let (v, d) = readme::drift_vjp(s, 0.5, State { x: 1.0, v: 3.0 });
    assert_eq!((v, d), (State { x: 1.5, v: 2.0 }, State { x: 1.0, v: 3.0 }));
    let (_, t) = readme::drift_jvp(s, 0.5, State { x: 0.25, v: -4.0 });
    assert_eq!(t, State { x: 0.25, v: -4.0 });
}
