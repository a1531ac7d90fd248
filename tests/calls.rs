//! Calls between differentiable functions reached through `use`, and a
//! local `#[differentiable]` function inside a function body.

mod m {
    use macrograd::differentiable;

    /// `a·sin b`
    #[differentiable]
    pub fn pair(a: f64, b: f64) -> f64 {
        a * b.sin()
    }
}

mod user {
    use crate::m::pair;
    use macrograd::differentiable;

    /// `pair(x, 2)`, calling the imported function by its bare name.
    #[differentiable]
    pub fn f(x: f64) -> f64 {
        pair(x, 2.0)
    }
}

#[test]
fn a_use_imported_function_can_be_called() {
    // f(x) = x·sin 2, so f'(x) = sin 2
    let (v, d) = user::f_grad(1.0);
    assert_eq!(v, 2.0_f64.sin());
    assert_eq!(d, 2.0_f64.sin());
}

#[test]
fn local_functions_call_each_other() {
    use macrograd::differentiable;

    #[differentiable]
    fn square(v: f64) -> f64 {
        v * v
    }

    #[differentiable]
    fn twice_square(x: f64) -> f64 {
        2.0 * square(x)
    }

    // 2x², derivative 4x
    assert_eq!(twice_square_grad(3.0), (18.0, 12.0));
}

/// Gravity, a constant item outside the differentiable functions.
const G: f64 = 9.81;

mod units {
    /// A constant reached by path.
    pub const HALF: f64 = 0.5;
}

/// Potential plus kinetic energy with constants from the surrounding code.
#[macrograd::differentiable]
fn energy(h: f64, v: f64) -> f64 {
    G * h + units::HALF * v * v
}

#[test]
fn constant_items_are_read_where_they_are_defined() {
    // ∂/∂h = G, ∂/∂v = v
    let (e, (dh, dv)) = energy_grad(2.0, 3.0);
    assert_eq!(e, G * 2.0 + 0.5 * 9.0);
    assert_eq!((dh, dv), (G, 3.0));
}

// ---------------------------------------------------------------------------
// Helpers returning `[F; m]`, called from differentiable bodies: reverse
// sweeps go through the helper's VJP, forward sweeps through its JVP.

#[path = "common/mod.rs"]
mod common;

use common::{assert_all_close, check_both_floats, numeric_grad};

/// The RK4 integrator of the vector-helper tests, written once under each
/// attribute it is tested with.
macro_rules! rk4_fn {
    ($(#[$attr:meta])* $name:ident, $F:ident) => {
        $(#[$attr])*
        pub fn $name(s0: [$F; 2], w: $F, #[nograd] h: $F, #[nograd] steps: usize) -> $F {
            let mut s = s0;
            for _ in 0..steps {
                let k1: [$F; 2] = rhs(s, w);
                let k2: [$F; 2] = rhs([s[0] + 0.5 * h * k1[0], s[1] + 0.5 * h * k1[1]], w);
                let k3: [$F; 2] = rhs([s[0] + 0.5 * h * k2[0], s[1] + 0.5 * h * k2[1]], w);
                let k4: [$F; 2] = rhs([s[0] + h * k3[0], s[1] + h * k3[1]], w);
                s = [
                    s[0] + h / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0]),
                    s[1] + h / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1]),
                ];
            }
            s[0] + s[1] * s[1]
        }
    };
}

macro_rules! vector_helpers {
    ($F:ident) => {
        use macrograd::differentiable;

        /// `p` rotated by the angle `t`.
        #[differentiable]
        pub fn rot(p: [$F; 2], t: $F) -> [$F; 2] {
            let (s, c) = t.sin_cos();
            [c * p[0] - s * p[1], s * p[0] + c * p[1]]
        }

        /// Two rotations in a row, bound by annotation and by pattern.
        #[differentiable]
        pub fn twice(p: [$F; 2], t: $F, #[nograd] k: $F) -> $F {
            let q: [$F; 2] = rot(p, t);
            let [u, v] = rot(q, k * t);
            u * u + 3.0 * v + q[1]
        }

        /// One differentiable scalar: `name_grad` takes a forward sweep,
        /// through the helper's JVP.
        #[differentiable]
        pub fn angle_only(t: $F) -> $F {
            let q: [$F; 2] = rot([1.0, 0.5], t);
            q[0] * q[1]
        }

        /// A pendulum's right-hand side.
        #[differentiable]
        pub fn rhs(s: [$F; 2], w: $F) -> [$F; 2] {
            [s[1], -w * w * s[0].sin()]
        }

        rk4_fn! {
            /// RK4 over a run-time number of steps, four helper calls per step.
            #[differentiable]
            rk4, $F
        }

        rk4_fn! {
            /// The same, its gradient by forward sweeps (one per input, each
            /// through the helper's JVP).
            #[differentiable(mode = forward)]
            rk4_forward, $F
        }

        /// An Euler step returning the state: a vector function calling a
        /// vector helper (its value returned as it is).
        #[differentiable]
        pub fn euler(s: [$F; 2], w: $F, #[nograd] h: $F) -> [$F; 2] {
            let k: [$F; 2] = rhs(s, w);
            let next = [s[0] + h * k[0], s[1] + h * k[1]];
            rhs(next, w)
        }

        /// A helper returning a tuple.
        #[differentiable]
        pub fn polar_pair(r: $F, t: $F) -> ($F, $F) {
            let (s, c) = t.sin_cos();
            (r * c, r * s)
        }

        /// Takes the tuple apart (reverse mode).
        #[differentiable]
        pub fn uses_pair(r: $F, t: $F) -> $F {
            let (x, y) = polar_pair(r, t);
            x * y + x
        }

        /// Binds it by its type (forward mode: one input).
        #[differentiable]
        pub fn radial(r: $F) -> $F {
            let p: ($F, $F) = polar_pair(r, 0.3);
            p.0 * p.1
        }

        /// A scalar helper reading a loop's state.
        #[differentiable]
        pub fn decay(x: $F, r: $F) -> $F {
            -r * x.sin()
        }

        #[differentiable]
        pub fn decay_steps(x0: $F, r: $F, #[nograd] steps: usize) -> $F {
            let mut x = x0;
            for _ in 0..steps {
                x = x + 0.1 * decay(x, r);
            }
            x
        }
    };
}

mod v64 {
    vector_helpers!(f64);
}

mod v32 {
    vector_helpers!(f32);
}

/// `f64` twin of `twice` for differences: the rotations written out.
fn twice_ref(x: &[f64], k: f64) -> f64 {
    let (p, t) = ([x[0], x[1]], x[2]);
    let a = (1.0 + k) * t;
    let u = a.cos() * p[0] - a.sin() * p[1];
    let v = a.sin() * p[0] + a.cos() * p[1];
    u * u + 3.0 * v + t.sin() * p[0] + t.cos() * p[1]
}

#[test]
fn vector_helper_calls_in_straight_line_code_match_closed_form() {
    let (p, t, k): ([f64; 2], f64, f64) = ([0.3, -0.7], 0.4, 0.5);
    // q = R(t)·p, [u, v] = R((1+k)t)·p: with a = (1+k)t, ∂u/∂a = −v, ∂v/∂a = u
    let a = (1.0 + k) * t;
    let u = a.cos() * p[0] - a.sin() * p[1];
    let v = a.sin() * p[0] + a.cos() * p[1];
    let expected = [
        2.0 * u * a.cos() + 3.0 * a.sin() + t.sin(),
        -2.0 * u * a.sin() + 3.0 * a.cos() + t.cos(),
        (1.0 + k) * (-2.0 * u * v + 3.0 * u) + t.cos() * p[0] - t.sin() * p[1],
    ];
    let (val, (gp, gt)) = v64::twice_grad(p, t, k);
    assert_all_close(
        &[val],
        &[twice_ref(&[p[0], p[1], t], k)],
        1e-12,
        "twice value",
    );
    let (_, (gp32, gt32)) = v32::twice_grad([p[0] as f32, p[1] as f32], t as f32, k as f32);
    check_both_floats(
        "twice",
        &[p[0], p[1], t],
        &[gp[0], gp[1], gt],
        &[gp32[0], gp32[1], gt32],
        |x| v64::twice([x[0], x[1]], x[2], k),
        |x| v32::twice([x[0], x[1]], x[2], k as f32),
        &expected,
    );
}

#[test]
fn vector_helper_calls_in_forward_mode_match_closed_form() {
    // q = R(t)·(1, 0.5): q₀q₁ = (cos t − 0.5 sin t)(sin t + 0.5 cos t)
    let t = 0.4_f64;
    let (q0, q1) = (t.cos() - 0.5 * t.sin(), t.sin() + 0.5 * t.cos());
    let expected = -q1 * q1 + q0 * q0;
    let (v, d) = v64::angle_only_grad(t);
    assert_all_close(&[v, d], &[q0 * q1, expected], 1e-12, "angle_only");
    let (_, d32) = v32::angle_only_grad(t as f32);
    assert_all_close(&[d32 as f64], &[expected], 1e-5, "angle_only f32");
}

#[test]
fn vector_helper_calls_in_a_runtime_loop_match_differences() {
    let (s0, w, h, steps) = ([0.3, -0.7], 1.2, 0.1, 7);
    let (v, (gs, gw)) = v64::rk4_grad(s0, w, h, steps);
    assert_eq!(v, v64::rk4(s0, w, h, steps));
    let fd = numeric_grad(
        |x| v64::rk4([x[0], x[1]], x[2], h, steps),
        &[s0[0], s0[1], w],
    );
    assert_all_close(&[gs[0], gs[1], gw], &fd, 1e-7, "rk4");
    let (_, (gs32, gw32)) = v32::rk4_grad([0.3, -0.7], 1.2, 0.1, steps);
    let g32 = [gs32[0] as f64, gs32[1] as f64, gw32 as f64];
    assert_all_close(&g32, &fd, 1e-4, "rk4 f32");
}

#[test]
fn vector_helper_calls_in_forward_sweeps_of_a_runtime_loop_match_reverse() {
    let (s0, w, h, steps) = ([0.3, -0.7], 1.2, 0.1, 7);
    let (v, (gs, gw)) = v64::rk4_forward_grad(s0, w, h, steps);
    let (vr, (gsr, gwr)) = v64::rk4_grad(s0, w, h, steps);
    assert_eq!(v, vr);
    assert_all_close(
        &[gs[0], gs[1], gw],
        &[gsr[0], gsr[1], gwr],
        1e-12,
        "rk4 forward",
    );
    let (_, (gs32, gw32)) = v32::rk4_forward_grad([0.3, -0.7], 1.2, 0.1, steps);
    let g32 = [gs32[0] as f64, gs32[1] as f64, gw32 as f64];
    assert_all_close(&g32, &[gsr[0], gsr[1], gwr], 1e-4, "rk4 forward f32");
}

#[test]
fn vector_functions_calling_vector_helpers_have_jacobians_and_vjps() {
    let (s, w, h) = ([0.3_f64, -0.7], 1.2_f64, 0.1);
    let f = |x: &[f64]| v64::euler([x[0], x[1]], x[2], h);
    let (value, j) = v64::euler_jacobian(s, w, h);
    assert_eq!(value, f(&[s[0], s[1], w]));
    for (i, row) in j.iter().enumerate() {
        let fd = numeric_grad(|x| f(x)[i], &[s[0], s[1], w]);
        assert_all_close(row, &fd, 1e-8, &format!("euler row {i}"));
    }
    // a VJP is the cotangent times the Jacobian; a JVP the Jacobian times the tangent
    let cot = [0.7, -1.3];
    let (_, (gs, gw)) = v64::euler_vjp(s, w, h, cot);
    let (_, jv) = v64::euler_jvp(s, w, h, ([0.2, 0.5], -0.4));
    for c in 0..3 {
        let want = cot[0] * j[0][c] + cot[1] * j[1][c];
        assert_all_close(&[[gs[0], gs[1], gw][c]], &[want], 1e-12, "euler vjp");
    }
    for (r, row) in j.iter().enumerate() {
        let want = row[0] * 0.2 + row[1] * 0.5 - row[2] * 0.4;
        assert_all_close(&[jv[r]], &[want], 1e-12, "euler jvp");
    }
    let (_, j32) = v32::euler_jacobian([0.3, -0.7], 1.2, 0.1);
    let flat32: Vec<f64> = j32.iter().flatten().map(|&d| d as f64).collect();
    let flat: Vec<f64> = j.iter().flatten().copied().collect();
    assert_all_close(&flat32, &flat, 1e-5, "euler f32");
}

#[test]
fn scalar_helper_calls_reading_a_loop_state_match_differences() {
    let (x0, r, steps) = (0.8, 0.6, 9);
    let (v, (gx, gr)) = v64::decay_steps_grad(x0, r, steps);
    assert_eq!(v, v64::decay_steps(x0, r, steps));
    let fd = numeric_grad(|x| v64::decay_steps(x[0], x[1], steps), &[x0, r]);
    assert_all_close(&[gx, gr], &fd, 1e-8, "decay_steps");
}

/// The README's example, as written there.
mod readme {
    use macrograd::differentiable;

    #[differentiable]
    pub fn rhs(s: [f64; 2], w: f64) -> [f64; 2] {
        [s[1], -w * w * s[0].sin()]
    }
    #[differentiable]
    pub fn euler(s0: [f64; 2], w: f64, #[nograd] h: f64, #[nograd] steps: usize) -> f64 {
        let mut s = s0;
        for _ in 0..steps {
            let k: [f64; 2] = rhs(s, w); // or `let [ds, dv] = rhs(s, w);`
            s = [s[0] + h * k[0], s[1] + h * k[1]];
        }
        s[0]
    }
}

#[test]
fn readme_vector_helper_example_matches_differences() {
    let (x, (ds0, dw)) = readme::euler_grad([0.3, -0.7], 1.2, 0.1, 10);
    assert_eq!(x, readme::euler([0.3, -0.7], 1.2, 0.1, 10));
    let fd = numeric_grad(
        |v| readme::euler([v[0], v[1]], v[2], 0.1, 10),
        &[0.3, -0.7, 1.2],
    );
    assert_all_close(&[ds0[0], ds0[1], dw], &fd, 1e-8, "euler");
}

#[test]
fn tuple_helpers_match_closed_form() {
    let (r, t): (f64, f64) = (1.3, 0.7);
    // x = r cos t, y = r sin t, f = xy + x
    let expected = [
        2.0 * r * t.sin() * t.cos() + t.cos(),
        r * r * (2.0 * t).cos() - r * t.sin(),
    ];
    let (v, (dr, dt)) = v64::uses_pair_grad(r, t);
    assert_all_close(
        &[v],
        &[r * r * t.sin() * t.cos() + r * t.cos()],
        1e-12,
        "uses_pair",
    );
    let (_, (dr32, dt32)) = v32::uses_pair_grad(r as f32, t as f32);
    check_both_floats(
        "uses_pair",
        &[r, t],
        &[dr, dt],
        &[dr32, dt32],
        |x| v64::uses_pair(x[0], x[1]),
        |x| v32::uses_pair(x[0], x[1]),
        &expected,
    );
    let (_, d) = v64::radial_grad(r);
    assert_all_close(
        &[d],
        &[2.0 * r * 0.3_f64.sin() * 0.3_f64.cos()],
        1e-12,
        "radial",
    );
    // the tuple helper's own derived functions take and give tuples
    let ((x, y), j) = v64::polar_pair_jacobian(r, t);
    assert_eq!((x, y), v64::polar_pair(r, t));
    let flat: Vec<f64> = j.iter().flatten().copied().collect();
    let want = [t.cos(), -r * t.sin(), t.sin(), r * t.cos()];
    assert_all_close(&flat, &want, 1e-12, "polar_pair jacobian");
    let (_, (gr, gt)) = v64::polar_pair_vjp(r, t, (1.0, 2.0));
    assert_all_close(
        &[gr, gt],
        &[want[0] + 2.0 * want[2], want[1] + 2.0 * want[3]],
        1e-12,
        "vjp",
    );
    let (_, (tx, ty)) = v64::polar_pair_jvp(r, t, (1.0, 0.0));
    assert_all_close(&[tx, ty], &[want[0], want[2]], 1e-12, "jvp");
}

/// An array pattern takes an array value apart (no call involved).
#[macrograd::differentiable]
fn destructured(x: f64) -> f64 {
    let [a, b] = [x, 2.0 * x];
    a * b
}

#[test]
fn array_patterns_take_arrays_apart() {
    // 2x², derivative 4x
    assert_eq!(destructured_grad(1.5), (4.5, 6.0));
}

#[path = "calls/saved.rs"]
mod saved;

#[path = "calls/composed.rs"]
mod composed;

// a differentiable slice passed on to another differentiable function
#[path = "calls/slices.rs"]
mod slices;

// `name_jvp` of a function passing a differentiable slice on
#[path = "calls/slices_forward.rs"]
mod slices_forward;

// a local buffer passed whole to another differentiable function
#[path = "calls/local_buffers.rs"]
mod local_buffers;
