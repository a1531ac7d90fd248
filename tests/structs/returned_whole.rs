//! A call's struct result returned whole by a function returning a
//! struct (issue 8): bound to a name and returned (`let p: State = f(…);
//! p`), the call itself as the body's value, copied with `..p` into the
//! literal returned, and two steps composed. Checked in f64 and f32
//! against closed forms (the chain rule by hand) and central differences:
//! `_vjp`, `_jvp` and `_jacobian`.

use super::*;
use common::central_diff;

macro_rules! returned {
    ($F:ident) => {
        use macrograd::{differentiable, Differentiable};

        /// A pendulum's state.
        #[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
        pub struct State {
            pub theta: $F,
            pub omega: $F,
        }

        /// θ' = θ + tω, ω' = ω − t·sin θ.
        #[differentiable]
        pub fn twist(t: $F, y: State) -> State {
            State {
                theta: y.theta + t * y.omega,
                omega: y.omega - t * y.theta.sin(),
            }
        }

        /// Bound to a name, returned whole.
        #[differentiable]
        pub fn named(t: $F, y: State) -> State {
            let p: State = twist(t, y);
            p
        }

        /// The call itself is the body's value.
        #[differentiable]
        pub fn direct(t: $F, y: State) -> State {
            twist(t, y)
        }

        /// Read by field, and copied with `..p` into the literal returned:
        /// (a, t·b).
        #[differentiable]
        pub fn based(t: $F, y: State) -> State {
            let p = twist(t, y);
            State {
                omega: t * p.omega,
                ..p
            }
        }

        /// Two steps: the second given the first's fields, its result
        /// returned whole.
        #[differentiable]
        pub fn two_steps(t: $F, y: State) -> State {
            let State { theta, omega } = twist(t, y);
            let q: State = twist(t, State { theta, omega });
            q
        }
    };
}

mod m64 {
    returned!(f64);
}

mod m32 {
    returned!(f32);
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

/// The functions under test, by name.
const NAMES: [&str; 4] = ["named", "direct", "based", "two_steps"];

/// twist's value (a, b) and its Jacobian rows ∂a/∂(t, θ, ω), ∂b/∂(t, θ, ω).
fn twist_closed(t: f64, th: f64, om: f64) -> ([f64; 2], [[f64; 3]; 2]) {
    (
        [th + t * om, om - t * th.sin()],
        [[om, 1.0, t], [-th.sin(), -t * th.cos(), 1.0]],
    )
}

/// Each function's value (θ, ω) and Jacobian in (t, θ, ω), by hand.
fn closed(name: &str, [t, th, om]: [f64; 3]) -> ([f64; 2], [[f64; 3]; 2]) {
    let ([a, b], j) = twist_closed(t, th, om);
    match name {
        "based" => (
            [a, t * b],
            [
                j[0],
                [0, 1, 2].map(|k| t * j[1][k] + if k == 0 { b } else { 0.0 }),
            ],
        ),
        // twist(t, twist(t, y)): J₂ on (t, a, b), then a and b by J
        "two_steps" => {
            let (v, j2) = twist_closed(t, a, b);
            let row = |r: usize| {
                [0, 1, 2].map(|k| {
                    j2[r][1] * j[0][k] + j2[r][2] * j[1][k] + if k == 0 { j2[r][0] } else { 0.0 }
                })
            };
            (v, [row(0), row(1)])
        }
        _ => ([a, b], j),
    }
}

fn value64(name: &str, t: f64, y: m64::State) -> m64::State {
    match name {
        "named" => m64::named(t, y),
        "direct" => m64::direct(t, y),
        "based" => m64::based(t, y),
        _ => m64::two_steps(t, y),
    }
}

type Vjp64 = (m64::State, (f64, m64::State));
type Vjp32 = (m32::State, (f32, m32::State));

fn vjp64(name: &str, t: f64, y: m64::State, u: m64::State) -> Vjp64 {
    match name {
        "named" => m64::named_vjp(t, y, u),
        "direct" => m64::direct_vjp(t, y, u),
        "based" => m64::based_vjp(t, y, u),
        _ => m64::two_steps_vjp(t, y, u),
    }
}

fn vjp32(name: &str, t: f32, y: m32::State, u: m32::State) -> Vjp32 {
    match name {
        "named" => m32::named_vjp(t, y, u),
        "direct" => m32::direct_vjp(t, y, u),
        "based" => m32::based_vjp(t, y, u),
        _ => m32::two_steps_vjp(t, y, u),
    }
}

fn jvp64(name: &str, t: f64, y: m64::State, v: (f64, m64::State)) -> (m64::State, m64::State) {
    match name {
        "named" => m64::named_jvp(t, y, v),
        "direct" => m64::direct_jvp(t, y, v),
        "based" => m64::based_jvp(t, y, v),
        _ => m64::two_steps_jvp(t, y, v),
    }
}

fn jvp32(name: &str, t: f32, y: m32::State, v: (f32, m32::State)) -> (m32::State, m32::State) {
    match name {
        "named" => m32::named_jvp(t, y, v),
        "direct" => m32::direct_jvp(t, y, v),
        "based" => m32::based_jvp(t, y, v),
        _ => m32::two_steps_jvp(t, y, v),
    }
}

fn jacobian64(name: &str, t: f64, y: m64::State) -> (m64::State, [[f64; 3]; 2]) {
    match name {
        "named" => m64::named_jacobian(t, y),
        "direct" => m64::direct_jacobian(t, y),
        "based" => m64::based_jacobian(t, y),
        _ => m64::two_steps_jacobian(t, y),
    }
}

/// uᵀ·f at `z`, in f64.
fn along_u(name: &str, u: [f64; 2], z: [f64; 3]) -> f64 {
    let o = value64(name, z[0], st64(&z[1..]));
    u[0] * o.theta + u[1] * o.omega
}

#[test]
fn struct_result_returned_whole_vjp() {
    let u = [0.7, -1.3];
    for name in NAMES {
        for p @ [t, _, _] in POINTS {
            let (value, j) = closed(name, p);
            let expected = [0, 1, 2].map(|k| u[0] * j[0][k] + u[1] * j[1][k]);
            let (v, (dt, dy)) = vjp64(name, t, st64(&p[1..]), st64(&u));
            assert_all_close(&[v.theta, v.omega], &value, TOL_64, name);
            let o = value64(name, t, st64(&p[1..]));
            assert_all_close(&[o.theta, o.omega], &value, TOL_64, name);
            assert_all_close(&[dt, dy.theta, dy.omega], &expected, TOL_64, name);
            for k in 0..3 {
                let f = |s: f64| {
                    let mut z = p;
                    z[k] += s;
                    along_u(name, u, z)
                };
                assert_all_close(&[expected[k]], &[central_diff(f, 0.0)], 1e-8, name);
            }
            let p32 = p.map(|x| x as f32);
            let u32 = u.map(|x| x as f32);
            let (_, (dt32, dy32)) = vjp32(name, p32[0], st32(&p32[1..]), st32(&u32));
            assert_all_close(
                &[dt32.into(), dy32.theta.into(), dy32.omega.into()],
                &expected,
                1e-4,
                name,
            );
        }
    }
}

#[test]
fn struct_result_returned_whole_jvp_and_jacobian() {
    let v = [0.4, -0.9, 0.6];
    for name in NAMES {
        for p @ [t, th, om] in POINTS {
            let (value, j) = closed(name, p);
            let expected = j.map(|row| row[0] * v[0] + row[1] * v[1] + row[2] * v[2]);
            let (val, jv) = jvp64(name, t, st64(&p[1..]), (v[0], st64(&v[1..])));
            assert_all_close(&[val.theta, val.omega], &value, TOL_64, name);
            assert_all_close(&[jv.theta, jv.omega], &expected, TOL_64, name);
            for (r, e) in expected.iter().enumerate() {
                let f = |s: f64| {
                    let o = value64(name, t + s * v[0], st64(&[th + s * v[1], om + s * v[2]]));
                    [o.theta, o.omega][r]
                };
                assert_all_close(&[*e], &[central_diff(f, 0.0)], 1e-8, name);
            }
            let (p32, v32) = (p.map(|x| x as f32), v.map(|x| x as f32));
            let (_, jv32) = jvp32(name, p32[0], st32(&p32[1..]), (v32[0], st32(&v32[1..])));
            assert_all_close(
                &[jv32.theta.into(), jv32.omega.into()],
                &expected,
                1e-4,
                name,
            );
            let (jval, jac) = jacobian64(name, t, st64(&p[1..]));
            assert_all_close(&[jval.theta, jval.omega], &value, TOL_64, name);
            assert_all_close(jac.as_flattened(), j.as_flattened(), TOL_64, name);
        }
    }
}
