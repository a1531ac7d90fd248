//! A struct result bound to a name and used whole (issue 8): passed on to
//! another differentiable function (`kin(p)`, `two(p, y)`), as a method's
//! receiver (`p.kin_m()`), and copied with `..p` into a literal passed on,
//! at the top of the body. Checked in f64 and f32 against closed forms and
//! central differences, the forward sweeps (`_jvp`) too.

use super::*;
use common::central_diff;

macro_rules! whole {
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

        /// ω² + sin θ.
        #[differentiable]
        pub fn kin(s: State) -> $F {
            s.omega * s.omega + s.theta.sin()
        }

        /// a.θ · b.ω
        #[differentiable]
        pub fn two(a: State, b: State) -> $F {
            a.theta * b.omega
        }

        impl State {
            /// ω² + sin θ, as a method.
            #[differentiable]
            pub fn kin_m(&self) -> $F {
                self.omega * self.omega + self.theta.sin()
            }
        }

        /// A field read, then the result passed on whole.
        #[differentiable]
        pub fn pass_on(t: $F, y: State) -> $F {
            let p = twist(t, y);
            p.theta + kin(p)
        }

        /// Only passed on whole (the binding's type says it is a struct).
        #[differentiable]
        pub fn typed_pass(t: $F, y: State) -> $F {
            let p: State = twist(t, y);
            kin(p) * t
        }

        /// Copied with `..p` into a literal passed on.
        #[differentiable]
        pub fn with_base(t: $F, y: State) -> $F {
            let p = twist(t, y);
            kin(State {
                omega: t * p.theta,
                ..p
            })
        }

        /// As a method's receiver.
        #[differentiable]
        pub fn by_method(t: $F, y: State) -> $F {
            let p: State = twist(t, y);
            p.kin_m()
        }

        /// Passed to two calls, beside the parameter it came from.
        #[differentiable]
        pub fn mixed(t: $F, y: State) -> $F {
            let p: State = twist(t, y);
            two(p, y) + kin(p)
        }

        /// A struct result built with a call given another's result
        /// whole: (kin(p), p.ω·t).
        #[differentiable]
        pub fn outer(t: $F, y: State) -> State {
            let p: State = twist(t, y);
            State {
                theta: kin(p),
                omega: p.omega * t,
            }
        }
    };
}

mod m64 {
    whole!(f64);
}

mod m32 {
    whole!(f32);
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

/// twist's value (a, b) and its Jacobian rows ∂a/∂(t, θ, ω), ∂b/∂(t, θ, ω).
fn twist_closed(t: f64, th: f64, om: f64) -> ((f64, f64), [[f64; 3]; 2]) {
    (
        (th + t * om, om - t * th.sin()),
        [[om, 1.0, t], [-th.sin(), -t * th.cos(), 1.0]],
    )
}

/// uᵀJ + `direct`: the gradient of a function of (a, b) with partials `u`
/// and explicit partials `direct` in (t, θ, ω).
fn pull(j: [[f64; 3]; 2], u: [f64; 2], direct: [f64; 3]) -> [f64; 3] {
    [0, 1, 2].map(|k| u[0] * j[0][k] + u[1] * j[1][k] + direct[k])
}

/// The functions under test, by name.
const NAMES: [&str; 5] = ["pass_on", "typed_pass", "with_base", "by_method", "mixed"];

fn value64(name: &str, t: f64, y: m64::State) -> f64 {
    match name {
        "pass_on" => m64::pass_on(t, y),
        "typed_pass" => m64::typed_pass(t, y),
        "with_base" => m64::with_base(t, y),
        "by_method" => m64::by_method(t, y),
        _ => m64::mixed(t, y),
    }
}

fn value32(name: &str, t: f32, y: m32::State) -> f32 {
    match name {
        "pass_on" => m32::pass_on(t, y),
        "typed_pass" => m32::typed_pass(t, y),
        "with_base" => m32::with_base(t, y),
        "by_method" => m32::by_method(t, y),
        _ => m32::mixed(t, y),
    }
}

fn grad64(name: &str, t: f64, y: m64::State) -> (f64, (f64, m64::State)) {
    match name {
        "pass_on" => m64::pass_on_grad(t, y),
        "typed_pass" => m64::typed_pass_grad(t, y),
        "with_base" => m64::with_base_grad(t, y),
        "by_method" => m64::by_method_grad(t, y),
        _ => m64::mixed_grad(t, y),
    }
}

fn grad32(name: &str, t: f32, y: m32::State) -> (f32, (f32, m32::State)) {
    match name {
        "pass_on" => m32::pass_on_grad(t, y),
        "typed_pass" => m32::typed_pass_grad(t, y),
        "with_base" => m32::with_base_grad(t, y),
        "by_method" => m32::by_method_grad(t, y),
        _ => m32::mixed_grad(t, y),
    }
}

fn jvp64(name: &str, t: f64, y: m64::State, v: (f64, m64::State)) -> (f64, f64) {
    match name {
        "pass_on" => m64::pass_on_jvp(t, y, v),
        "typed_pass" => m64::typed_pass_jvp(t, y, v),
        "with_base" => m64::with_base_jvp(t, y, v),
        "by_method" => m64::by_method_jvp(t, y, v),
        _ => m64::mixed_jvp(t, y, v),
    }
}

fn jvp32(name: &str, t: f32, y: m32::State, v: (f32, m32::State)) -> (f32, f32) {
    match name {
        "pass_on" => m32::pass_on_jvp(t, y, v),
        "typed_pass" => m32::typed_pass_jvp(t, y, v),
        "with_base" => m32::with_base_jvp(t, y, v),
        "by_method" => m32::by_method_jvp(t, y, v),
        _ => m32::mixed_jvp(t, y, v),
    }
}

/// Each function's value and gradient in (t, θ, ω), by hand: with
/// kin(a, b) = b² + sin a and ∂kin = (cos a, 2b).
fn closed(name: &str, [t, th, om]: [f64; 3]) -> (f64, [f64; 3]) {
    let ((a, b), j) = twist_closed(t, th, om);
    let kin = b * b + a.sin();
    match name {
        // a + kin
        "pass_on" => (a + kin, pull(j, [1.0 + a.cos(), 2.0 * b], [0.0; 3])),
        // t·kin
        "typed_pass" => (
            t * kin,
            pull(j, [t * a.cos(), 2.0 * t * b], [kin, 0.0, 0.0]),
        ),
        // kin(θ = a, ω = t·a) = t²a² + sin a
        "with_base" => (
            t * t * a * a + a.sin(),
            pull(
                j,
                [2.0 * t * t * a + a.cos(), 0.0],
                [2.0 * t * a * a, 0.0, 0.0],
            ),
        ),
        "by_method" => (kin, pull(j, [a.cos(), 2.0 * b], [0.0; 3])),
        // a·ω + kin
        _ => (
            a * om + kin,
            pull(j, [om + a.cos(), 2.0 * b], [0.0, 0.0, a]),
        ),
    }
}

#[test]
fn struct_result_used_whole_gradients() {
    for name in NAMES {
        for p @ [t, _, _] in POINTS {
            let (value, expected) = closed(name, p);
            let (val, (dt, dy)) = grad64(name, t, st64(&p[1..]));
            let p32 = p.map(|v| v as f32);
            let (val32, (dt32, dy32)) = grad32(name, p32[0], st32(&p32[1..]));
            assert_all_close(&[val], &[value], TOL_64, name);
            assert_all_close(&[value64(name, t, st64(&p[1..]))], &[value], TOL_64, name);
            assert_all_close(&[val32.into()], &[value], 1e-4, name);
            check_both_floats(
                name,
                &p,
                &[dt, dy.theta, dy.omega],
                &[dt32, dy32.theta, dy32.omega],
                |z| value64(name, z[0], st64(&z[1..])),
                |z| value32(name, z[0], st32(&z[1..])),
                &expected,
            );
        }
    }
}

#[test]
fn struct_result_used_whole_forward_sweeps() {
    let v = [0.4, -0.9, 0.6];
    for name in NAMES {
        for p @ [t, th, om] in POINTS {
            let (value, grad) = closed(name, p);
            let expected = grad[0] * v[0] + grad[1] * v[1] + grad[2] * v[2];
            let (val, jv) = jvp64(name, t, st64(&p[1..]), (v[0], st64(&v[1..])));
            assert_all_close(&[val, jv], &[value, expected], TOL_64, name);
            let along = |s: f64| value64(name, t + s * v[0], st64(&[th + s * v[1], om + s * v[2]]));
            assert_all_close(&[jv], &[central_diff(along, 0.0)], 1e-8, name);
            let (p32, v32) = (p.map(|x| x as f32), v.map(|x| x as f32));
            let (_, jv32) = jvp32(name, p32[0], st32(&p32[1..]), (v32[0], st32(&v32[1..])));
            assert_all_close(&[jv32.into()], &[expected], 1e-4, name);
        }
    }
}

#[test]
fn struct_result_used_whole_in_a_function_returning_a_struct() {
    let u = [0.7, -1.3];
    for p @ [t, th, om] in POINTS {
        let ((a, b), j) = twist_closed(t, th, om);
        // uᵀ·outer = u₀·(b² + sin a) + u₁·b·t
        let expected = pull(
            j,
            [u[0] * a.cos(), 2.0 * u[0] * b + u[1] * t],
            [u[1] * b, 0.0, 0.0],
        );
        let (v, (dt, dy)) = m64::outer_vjp(t, st64(&p[1..]), st64(&u));
        assert_all_close(
            &[v.theta, v.omega],
            &[b * b + a.sin(), b * t],
            TOL_64,
            "outer value",
        );
        assert_all_close(&[dt, dy.theta, dy.omega], &expected, TOL_64, "outer uᵀJ");
        for k in 0..3 {
            let along = |s: f64| {
                let mut z = p;
                z[k] += s;
                let o = m64::outer(z[0], st64(&z[1..]));
                u[0] * o.theta + u[1] * o.omega
            };
            assert_all_close(
                &[expected[k]],
                &[central_diff(along, 0.0)],
                1e-8,
                "outer central",
            );
        }
        let p32 = p.map(|x| x as f32);
        let (_, (dt32, dy32)) =
            m32::outer_vjp(p32[0], st32(&p32[1..]), st32(&[u[0] as f32, u[1] as f32]));
        assert_all_close(
            &[dt32.into(), dy32.theta.into(), dy32.omega.into()],
            &expected,
            1e-4,
            "f32 outer uᵀJ",
        );
    }
}
