//! The body syntax `#[differentiable]` accepts beyond single operations: bindings,
//! assignment, `if`, `for`, arrays, constants, `#[nograd]`, modules and
//! calls between differentiable functions, and `grad!` closures.
//!
//! Every function is written once in `corpus!` (`test_control/corpus.rs`;
//! the tests by topic beside it, calls and closures here) and instantiated in f64
//! (`c64`) and f32 (`c32`). Each test checks both against a closed form
//! derived by hand (in the test, in f64) and against central finite
//! differences of the f64 function. Points are dyadic so that f32 and f64
//! see the same inputs.

mod common;

use common::{assert_all_close, central_diff, numeric_grad, Flat};

/// f64 gradient vs the closed form
const TOL_64: f64 = 1e-12;
/// f64 gradient vs finite differences
const TOL_FD: f64 = 1e-7;
/// f32 gradient vs the (f64) closed form
const TOL_32: f64 = 3e-5;

/// Checks one point: the f64 and f32 gradients against the closed form
/// `want`, and the f64 gradient against finite differences of `f`.
fn check(
    what: &str,
    pt: &[f64],
    want: &[f64],
    g64: &dyn Flat,
    g32: &dyn Flat,
    f: impl Fn(&[f64]) -> f64,
) {
    let at = format!("{what} at {pt:?}");
    assert_all_close(
        &g64.flat(),
        want,
        TOL_64,
        &format!("{at}, f64 vs closed form"),
    );
    assert_all_close(
        &g32.flat(),
        want,
        TOL_32,
        &format!("{at}, f32 vs closed form"),
    );
    assert_all_close(
        &g64.flat(),
        &numeric_grad(f, pt),
        TOL_FD,
        &format!("{at}, f64 vs finite differences"),
    );
}

/// Checks the values the `_grad` functions return against the plain functions.
fn check_values(what: &str, v64: f64, plain64: f64, v32: f32, plain32: f32) {
    assert_eq!(v64, plain64, "{what}: f64 value");
    assert_eq!(v32, plain32, "{what}: f32 value");
    assert_close!(v32, v64, 1e-5, "{what}: f32 value vs f64 value");
}

fn arr<const N: usize>(v: &[f64]) -> [f64; N] {
    v.try_into().expect("length")
}

fn arr32<const N: usize>(v: &[f64]) -> [f32; N] {
    let a: [f64; N] = arr(v);
    a.map(|x| x as f32)
}

#[macro_use]
#[path = "test_control/corpus.rs"]
mod corpus;

corpus!(c64, f64);
corpus!(c32, f32);

#[path = "test_control/bindings_and_branches.rs"]
mod bindings_and_branches;
#[path = "test_control/bodies.rs"]
mod bodies;
#[path = "test_control/loops_and_arrays.rs"]
mod loops_and_arrays;

const XY: [[f64; 2]; 5] = [
    [0.5, 1.25],
    [-1.5, 0.75],
    [2.0, -0.5],
    [-0.25, -2.0],
    [3.0, 0.125],
];

const X4: [[f64; 4]; 5] = [
    [0.5, -1.25, 2.0, 0.75],
    [-2.0, 0.25, 1.5, -0.5],
    [1.0, 1.0, -1.0, 3.0],
    [0.125, -0.75, -2.5, 1.75],
    [3.0, 2.5, 0.5, -1.5],
];

// ---------------------------------------------------------------------------
// modules and calls

const Q: [[f64; 3]; 5] = [
    [0.5, -1.25, 2.0],
    [-2.0, 0.25, 1.5],
    [1.0, 1.0, -1.0],
    [0.125, -0.75, -2.5],
    [3.0, 2.5, 0.5],
];
const S: [f64; 5] = [0.75, -1.5, 2.0, 0.25, -0.5];

/// E(q) = ½Σqᵢ² + ½Σ(qᵢ₊₁ − qᵢ)²
fn energy(q: [f64; 3]) -> f64 {
    0.5 * q.iter().map(|v| v * v).sum::<f64>()
        + 0.5 * ((q[1] - q[0]).powi(2) + (q[2] - q[1]).powi(2))
}

/// ∇E: qⱼ + (qⱼ − qⱼ₋₁) − (qⱼ₊₁ − qⱼ)
fn energy_gradient(q: [f64; 3]) -> [f64; 3] {
    [
        q[0] - (q[1] - q[0]),
        q[1] + (q[1] - q[0]) - (q[2] - q[1]),
        q[2] + (q[2] - q[1]),
    ]
}

#[test]
fn pub_functions_in_modules() {
    for q in Q {
        let (v64, g64) = c64::physics::energy_grad(q);
        let (v32, g32) = c32::physics::energy_grad(arr32(&q));
        assert_close!(v64, energy(q), 1e-14);
        check_values(
            "energy",
            v64,
            c64::physics::energy(q),
            v32,
            c32::physics::energy(arr32(&q)),
        );
        check("energy", &q, &energy_gradient(q), &g64, &g32, |v| {
            c64::physics::energy(arr(v))
        });
    }
}

/// total(q, s) = E(q)·s + E(r) + P, r = (q2, q0·s, q1), P = q1·sin s · s·sin q2.
fn total_gradient(q: [f64; 3], s: f64) -> [f64; 4] {
    let ge = energy_gradient(q);
    let r = [q[2], q[0] * s, q[1]];
    let gr = energy_gradient(r);
    let (a, b) = (q[1] * s.sin(), s * q[2].sin());
    [
        s * ge[0] + gr[1] * s,
        s * ge[1] + gr[2] + s.sin() * b,
        s * ge[2] + gr[0] + a * s * q[2].cos(),
        energy(q) + gr[1] * q[0] + q[1] * s.cos() * b + a * q[2].sin(),
    ]
}

#[test]
fn calls_within_a_module() {
    for (q, s) in Q.into_iter().zip(S) {
        let (v64, g64) = c64::physics::total_grad(q, s);
        let (v32, g32) = c32::physics::total_grad(arr32(&q), s as f32);
        check_values(
            "total",
            v64,
            c64::physics::total(q, s),
            v32,
            c32::physics::total(arr32(&q), s as f32),
        );
        let pt = [&q[..], &[s][..]].concat();
        check("total", &pt, &total_gradient(q, s), &g64, &g32, |v| {
            c64::physics::total(arr(&v[..3]), v[3])
        });
    }
}

#[test]
fn calls_passing_nograd_inputs_on() {
    let (k, w) = (1.5, [0.5, -2.0]);
    for x in [-1.5_f64, -0.25, 0.125, 0.75, 2.0] {
        // 1.5·k·x² + (w0·x + w1)(w1·x² + 1)
        let want = [3.0 * k * x + w[0] * (w[1] * x * x + 1.0) + (w[0] * x + w[1]) * 2.0 * w[1] * x];
        let (v64, g64) = c64::physics::pass_through_grad(x, k, w);
        let (v32, g32) = c32::physics::pass_through_grad(x as f32, k as f32, arr32(&w));
        check_values(
            "pass_through",
            v64,
            c64::physics::pass_through(x, k, w),
            v32,
            c32::physics::pass_through(x as f32, k as f32, arr32(&w)),
        );
        check("pass_through", &[x], &want, &g64, &g32, |v| {
            c64::physics::pass_through(v[0], k, w)
        });
    }
}

#[test]
fn calls_in_loops_and_branches() {
    let mut branches = Vec::new();
    for (q, s) in Q.into_iter().zip(S) {
        // acc = Σ qᵢ·sin s; acc > 0: acc·s·sin s, else acc + E(q)
        let acc: f64 = q.iter().sum::<f64>() * s.sin();
        let dacc_dq = s.sin();
        let dacc_ds = q.iter().sum::<f64>() * s.cos();
        let want = if acc > 0.0 {
            branches.push(1);
            let p = s * s.sin();
            let dp = s.sin() + s * s.cos();
            let ge = [dacc_dq * p; 3];
            [ge[0], ge[1], ge[2], dacc_ds * p + acc * dp]
        } else {
            branches.push(2);
            let ge = energy_gradient(q);
            [dacc_dq + ge[0], dacc_dq + ge[1], dacc_dq + ge[2], dacc_ds]
        };
        let (v64, g64) = c64::physics::calls_in_control_grad(q, s);
        let (v32, g32) = c32::physics::calls_in_control_grad(arr32(&q), s as f32);
        check_values(
            "calls_in_control",
            v64,
            c64::physics::calls_in_control(q, s),
            v32,
            c32::physics::calls_in_control(arr32(&q), s as f32),
        );
        let pt = [&q[..], &[s][..]].concat();
        check("calls_in_control", &pt, &want, &g64, &g32, |v| {
            c64::physics::calls_in_control(arr(&v[..3]), v[3])
        });
    }
    assert!(branches.contains(&1) && branches.contains(&2));
}

#[test]
fn calls_by_path() {
    for (q, s) in Q.into_iter().zip(S) {
        // E(q)·s + total(q, s) + s·sin q0
        let ge = energy_gradient(q);
        let gt = total_gradient(q, s);
        let want = [
            s * ge[0] + gt[0] + s * q[0].cos(),
            s * ge[1] + gt[1],
            s * ge[2] + gt[2],
            energy(q) + gt[3] + q[0].sin(),
        ];
        let (v64, g64) = c64::by_path_grad(q, s);
        let (v32, g32) = c32::by_path_grad(arr32(&q), s as f32);
        check_values(
            "by_path",
            v64,
            c64::by_path(q, s),
            v32,
            c32::by_path(arr32(&q), s as f32),
        );
        let pt = [&q[..], &[s][..]].concat();
        check("by_path", &pt, &want, &g64, &g32, |v| {
            c64::by_path(arr(&v[..3]), v[3])
        });
    }
}

#[test]
fn calls_through_super() {
    for (q, s) in Q.into_iter().zip(S) {
        // s·sin q1 + 2E(q)
        let ge = energy_gradient(q);
        let want = [
            2.0 * ge[0],
            s * q[1].cos() + 2.0 * ge[1],
            2.0 * ge[2],
            q[1].sin(),
        ];
        let (v64, g64) = c64::nested::via_super_grad(q, s);
        let (v32, g32) = c32::nested::via_super_grad(arr32(&q), s as f32);
        check_values(
            "via_super",
            v64,
            c64::nested::via_super(q, s),
            v32,
            c32::nested::via_super(arr32(&q), s as f32),
        );
        let pt = [&q[..], &[s][..]].concat();
        check("via_super", &pt, &want, &g64, &g32, |v| {
            c64::nested::via_super(arr(&v[..3]), v[3])
        });
    }
}

/// The issue's own spelling: a module `physics` at the crate root, called
/// as `crate::physics::energy(q)`.
mod physics {
    use macrograd::differentiable;

    /// ½Σqᵢ² + ½Σ(qᵢ₊₁ − qᵢ)²
    // loop-index subscripts are the syntax under test
    #[allow(clippy::needless_range_loop)]
    #[differentiable]
    pub fn energy(q: [f64; 3]) -> f64 {
        let mut e = 0.0;
        for i in 0..3 {
            e += 0.5 * q[i] * q[i];
        }
        for i in 0..2 {
            e += 0.5 * (q[i + 1] - q[i]).powi(2);
        }
        e
    }
}

mod dynamics_user {
    use macrograd::differentiable;

    /// E(q) + E(2q)·s = (1 + 4s)·E(q)
    #[differentiable]
    pub fn action(q: [f64; 3], s: f64) -> f64 {
        crate::physics::energy(q) + crate::physics::energy([2.0 * q[0], 2.0 * q[1], 2.0 * q[2]]) * s
    }
}

#[test]
fn crate_physics_energy_by_path() {
    for (q, s) in Q.into_iter().zip(S) {
        let ge = energy_gradient(q);
        let want = [
            (1.0 + 4.0 * s) * ge[0],
            (1.0 + 4.0 * s) * ge[1],
            (1.0 + 4.0 * s) * ge[2],
            4.0 * energy(q),
        ];
        let (v, g) = dynamics_user::action_grad(q, s);
        assert_eq!(v, dynamics_user::action(q, s));
        assert_close!(v, (1.0 + 4.0 * s) * energy(q), 1e-14);
        assert_all_close(&g.flat(), &want, TOL_64, &format!("action at {q:?}, {s}"));
        let pt = [&q[..], &[s][..]].concat();
        assert_all_close(
            &g.flat(),
            &numeric_grad(|v| dynamics_user::action(arr(&v[..3]), v[3]), &pt),
            TOL_FD,
            "action vs finite differences",
        );
        assert_eq!(physics::energy_grad(q).0, physics::energy(q));
    }
}

// ---------------------------------------------------------------------------
// derivatives given by hand: `#[differentiable(custom = ...)]`

mod custom {
    use macrograd::differentiable;

    /// x/(1 + |x|), derivative given by hand under the `_grad` name itself
    #[differentiable(custom = soft_limit_grad)]
    pub fn soft_limit(x: f64) -> f64 {
        x / (1.0 + x.abs())
    }

    pub fn soft_limit_grad(x: f64) -> (f64, f64) {
        let d = 1.0 + x.abs();
        (x / d, 1.0 / (d * d))
    }

    /// k·|v|, derivative under another name; an array and a `#[nograd]` parameter
    #[differentiable(custom = norm_by_hand)]
    pub fn scaled_norm(v: [f32; 2], #[nograd] k: f32) -> f32 {
        k * v[0].hypot(v[1])
    }

    pub fn norm_by_hand(v: [f32; 2], k: f32) -> (f32, [f32; 2]) {
        let n = v[0].hypot(v[1]);
        (k * n, [k * v[0] / n, k * v[1] / n])
    }

    /// Callers go through the hand-written derivatives.
    #[differentiable]
    pub fn twice(x: f64) -> f64 {
        2.0 * soft_limit(x) + soft_limit(x * x)
    }

    #[differentiable]
    pub fn uses_norm(x: f32, y: f32) -> f32 {
        scaled_norm([x, y * 2.0], 3.0)
    }
}

#[test]
fn hand_written_derivatives_are_used_by_callers() {
    for x in [-1.5_f64, -0.25, 0.125, 0.75, 2.0] {
        // d/dx [x/(1 + |x|)] = 1/(1 + |x|)²
        let (v, g) = custom::soft_limit_grad(x);
        assert_eq!(v, custom::soft_limit(x));
        assert_close!(g, 1.0 / (1.0 + x.abs()).powi(2), 1e-15);
        let want = 2.0 / (1.0 + x.abs()).powi(2) + 2.0 * x / (1.0 + x * x).powi(2);
        let (v, g) = custom::twice_grad(x);
        assert_eq!(v, custom::twice(x));
        assert_close!(g, want, TOL_64, "twice at {x}");
        assert_close!(g, central_diff(custom::twice, x), TOL_FD, "twice at {x}");
    }
    for [x, y] in XY {
        // 3·√(x² + 4y²): (3x/n, 12y/n)
        let n = (x * x + 4.0 * y * y).sqrt();
        let (v, (dx, dy)) = custom::uses_norm_grad(x as f32, y as f32);
        assert_eq!(v, custom::uses_norm(x as f32, y as f32));
        assert_eq!(v, custom::scaled_norm([x as f32, 2.0 * y as f32], 3.0));
        assert_close!(v, 3.0 * n, 1e-6);
        assert_close!(dx, 3.0 * x / n, TOL_32, "at ({x}, {y})");
        assert_close!(dy, 12.0 * y / n, TOL_32, "at ({x}, {y})");
    }
}

// ---------------------------------------------------------------------------
// grad! closures

#[test]
fn closures_in_both_float_types() {
    let f = macrograd::grad!(|x: f64, y: f64| {
        let mut s = x * y;
        if s > 0.0 {
            s += x.exp();
        }
        s
    });
    let g = macrograd::grad!(|x: f32, y: f32| {
        let mut s = x * y;
        if s > 0.0 {
            s += x.exp();
        }
        s
    });
    for [x, y] in XY {
        let want = if x * y > 0.0 {
            [y + x.exp(), x]
        } else {
            [y, x]
        };
        let (v64, g64) = f(x, y);
        let (v32, g32) = g(x as f32, y as f32);
        assert_close!(v32, v64, 1e-5);
        let plain = |v: &[f64]| {
            let s = v[0] * v[1];
            if s > 0.0 {
                s + v[0].exp()
            } else {
                s
            }
        };
        check("closure", &[x, y], &want, &g64, &g32, plain);
    }
}

#[test]
fn closure_calling_grad_functions() {
    let f =
        macrograd::grad!(|x: f32, #[nograd] v: [f32; 2]| c32::physics::pair(x * v[0], x) + v[1]);
    let g = macrograd::grad!(|q: [f64; 3]| c64::physics::energy(q) * 0.5);
    for (q, s) in Q.into_iter().zip(S) {
        // pair(x·v0, x) = x·v0·sin x: ∂x = v0·(sin x + x·cos x)
        let (x, v) = (s, [q[0], q[1]]);
        let (value, dx) = f(x as f32, arr32(&v));
        assert_close!(value, x * v[0] * x.sin() + v[1], 1e-5);
        assert_close!(dx, v[0] * (x.sin() + x * x.cos()), TOL_32);
        let (value, dq) = g(q);
        assert_close!(value, 0.5 * energy(q), 1e-14);
        assert_all_close(
            &dq,
            &energy_gradient(q).map(|e| 0.5 * e),
            TOL_64,
            "closure calling energy",
        );
    }
}

#[test]
fn closure_with_array_and_nograd() {
    let f = macrograd::grad!(|v: [f64; 3], #[nograd] k: f64| k * v[0] * v[1] + v[2].sin());
    for (q, k) in Q.into_iter().zip(S) {
        let (value, g): (f64, [f64; 3]) = f(q, k);
        assert_close!(value, k * q[0] * q[1] + q[2].sin(), 1e-14);
        let want = [k * q[1], k * q[0], q[2].cos()];
        assert_all_close(&g, &want, TOL_64, "closure with array");
    }
}

// ---------------------------------------------------------------------------
// the README's examples

/// The README's first example.
#[macrograd::differentiable]
fn readme_loss(w: f64, b: f64, #[nograd] x: f64, #[nograd] y: f64) -> f64 {
    let pred = w * x + b;
    (pred - y).powi(2)
}

#[test]
fn readme_examples_give_the_stated_numbers() {
    // pred = 0.5·2 + 0 = 1; loss = (1 − 3)² = 4; ∂/∂pred = 2·(1 − 3) = −4,
    // so ∂w = −4·x = −8 and ∂b = −4, as the README says
    assert_eq!(readme_loss_grad(0.5, 0.0, 2.0, 3.0), (4.0, (-8.0, -4.0)));
    assert_eq!(readme_loss(0.5, 0.0, 2.0, 3.0), 4.0);

    // f = x·y + sin(x/y): ∂x = y + cos(x/y)/y, ∂y = x − x·cos(x/y)/y²
    let f = macrograd::grad!(|x: f64, y: f64| x * y + (x / y).sin());
    let (v, (dx, dy)) = f(2.0, 3.0);
    let c = (2.0_f64 / 3.0).cos();
    assert_close!(v, 6.0 + (2.0_f64 / 3.0).sin(), 1e-15);
    assert_close!(dx, 3.0 + c / 3.0, 1e-15);
    assert_close!(dy, 2.0 - 2.0 * c / 9.0, 1e-15);
}
