//! The body syntax `#[differentiable]` accepts beyond single operations: bindings,
//! assignment, `if`, `for`, arrays, constants, `#[nograd]`, modules and
//! calls between differentiable functions, and `grad!` closures.
//!
//! Every function is written once in `corpus!` and instantiated in f64
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

macro_rules! corpus {
    ($m:ident, $t:ident) => {
        /// The corpus in one float type.
        // `a = a * y` and `!(y < 2.0)` are the syntax under test here.
        #[allow(clippy::assign_op_pattern, clippy::neg_cmp_op_on_partial_ord)]
        pub mod $m {
            use macrograd::differentiable;
            use macrograd::ops::relu;

            /// `let` shadowing, of a local and of a parameter.
            #[differentiable]
            pub fn shadowing(x: $t, y: $t) -> $t {
                let t = x * y;
                let t = t.sin() + x;
                let x = t * 2.0;
                x * y
            }

            /// Reassignment, and a copy taken before a reassignment.
            #[differentiable]
            pub fn reassign(x: $t, y: $t) -> $t {
                let mut a = x;
                a = a * y;
                a = a + x;
                let b = a;
                a = a * a;
                a + b
            }

            /// Each compound assignment.
            #[differentiable]
            pub fn compound(x: $t, y: $t) -> $t {
                let mut s = x;
                s += y;
                s -= 0.5 * x;
                s *= y;
                s /= x + 2.0;
                s
            }

            /// Compound assignment whose right side is the variable itself.
            #[differentiable]
            pub fn compound_self(x: $t, y: $t) -> $t {
                let mut s = x;
                s *= s;
                s += s;
                s -= x;
                s /= y;
                s
            }

            /// `if / else if / else` as an expression, with `&&`, `||`, `!`.
            #[differentiable]
            pub fn if_expr(x: $t, y: $t) -> $t {
                let v = if x > 0.0 && y > 0.0 {
                    x * y
                } else if x < -1.0 || !(y < 2.0) {
                    x * x + y
                } else {
                    x - y.sin()
                };
                v * x
            }

            /// `if` as statements, one without `else`, on a computed value.
            #[differentiable]
            pub fn if_stmt(x: $t, y: $t) -> $t {
                let mut r = x * y;
                if x > y {
                    r = r * y;
                    r += 1.0;
                } else {
                    r += y.exp();
                }
                if !(r >= 0.0) {
                    r = -r;
                }
                r
            }

            /// `<=`, `>=`, `==`, `!=`; at a tie the branch taken is differentiated.
            #[differentiable]
            pub fn comparisons(x: $t, y: $t) -> $t {
                let a = if x <= y { x } else { y };
                let b = if x >= 1.0 { x * x } else { 2.0 * x - 1.0 };
                let c = if x == y {
                    0.0
                } else if x != 0.0 {
                    x * y
                } else {
                    y
                };
                a + b + c
            }

            /// An `if` whose value is the body's tail, branches of different shapes.
            #[differentiable]
            pub fn if_tail(x: $t, y: $t) -> $t {
                let s = x * y;
                if s > 1.0 {
                    let t = s.ln();
                    t * x
                } else if s < -1.0 {
                    y
                } else {
                    relu(x) + s
                }
            }

            /// `for i in 0..N` with a cast loop index.
            #[differentiable]
            pub fn weighted(x: [$t; 4]) -> $t {
                let mut s = 0.0;
                for i in 0..4 {
                    s += (i as $t + 1.0) * x[i] * x[i];
                }
                s
            }

            /// Loop-index arithmetic in subscripts, constant subscripts, `len()`.
            #[differentiable]
            pub fn neighbours(x: [$t; 5]) -> $t {
                let mut s = 0.0;
                for i in 0..4 {
                    s += (x[i + 1] - x[i]).powi(2);
                }
                for i in 1..x.len() {
                    s += 0.25 * x[i - 1] * x[i];
                }
                s + x[0] * x[4]
            }

            /// Horner's rule with `(0..N).rev()`: c0 + c1·x + c2·x² + c3·x³.
            #[differentiable]
            pub fn horner(x: $t, c: [$t; 4]) -> $t {
                let mut acc = 0.0;
                for i in (0..4).rev() {
                    acc = acc * x + c[i];
                }
                acc
            }

            /// The same polynomial, coefficients `#[nograd]`.
            #[differentiable]
            pub fn horner_fixed(x: $t, #[nograd] c: [$t; 4]) -> $t {
                let mut acc = 0.0;
                for i in (0..4).rev() {
                    acc = acc * x + c[i];
                }
                acc
            }

            /// `for v in arr`.
            #[differentiable]
            pub fn for_each(x: [$t; 3]) -> $t {
                let mut s = 0.0;
                for v in x {
                    s += v.sin() * v;
                }
                s
            }

            /// `for (i, &v) in arr.iter().enumerate()` with a run-time `if` inside.
            #[differentiable]
            pub fn enumerated(x: [$t; 4], y: $t) -> $t {
                let mut s = 0.0;
                for (i, &v) in x.iter().enumerate() {
                    s += (i as $t) * v * y + v.exp();
                    if v > y {
                        s += v;
                    }
                }
                s
            }

            /// A compile-time `if` on the loop index, and an inclusive range.
            #[differentiable]
            pub fn index_conditions(x: [$t; 4]) -> $t {
                let mut s = 0.0;
                for i in 0..=3 {
                    if i > 0 {
                        s += x[i] * x[i - 1];
                    } else {
                        s += x[i];
                    }
                }
                s
            }

            /// Local arrays: `[0.0; 3]`, element assignment (constant and loop
            /// index), an array literal of computed values.
            #[differentiable]
            pub fn local_array(x: $t, y: $t) -> $t {
                let mut a = [0.0; 3];
                a[0] = x;
                a[1] = x * y;
                a[2] = a[0] + a[1];
                for i in 0..3 {
                    a[i] *= 2.0;
                }
                let b = [a[2], y, 1.0];
                let mut s = 0.0;
                for i in 0..3 {
                    s += a[i] * b[i];
                }
                s
            }

            /// Array elements assigned inside a run-time `if`.
            #[differentiable]
            pub fn array_in_if(x: $t, y: $t) -> $t {
                let mut a = [x, y, 1.0];
                if x > y {
                    a[2] = x * y;
                    a[0] = y;
                }
                a[0] * a[1] + a[2]
            }

            /// `std::{f64,f32}::consts` and associated constants.
            #[differentiable]
            pub fn constants(x: $t) -> $t {
                (std::$t::consts::PI * x).sin()
                    + std::$t::consts::E * x
                    + std::$t::consts::FRAC_1_SQRT_2 * x * x
                    + $t::EPSILON
            }

            /// `#[nograd]` scalars and arrays between differentiable parameters.
            #[differentiable]
            pub fn nograd_mix(#[nograd] a: $t, x: $t, #[nograd] w: [$t; 2], y: $t) -> $t {
                a * x * x + w[0] * x * y + w[1] * y
            }

            /// One differentiable parameter: the gradient is the entry itself.
            #[differentiable]
            pub fn single(x: $t, #[nograd] k: $t) -> $t {
                k * x.powi(3)
            }

            /// A typed `let`, method calls in path form, and `return` at the end.
            #[differentiable]
            pub fn typed_and_paths(x: $t, y: $t) -> $t {
                let s: $t = $t::sin(x) * y;
                let v: [$t; 2] = [s, $t::max(x, y)];
                return v[0] + v[1];
            }

            /// Conditions bound with `let` and combined later.
            #[differentiable]
            pub fn bool_bindings(x: $t, y: $t) -> $t {
                let both = x > 0.0 && y > 0.0;
                let neither = !(x > 0.0) && !(y > 0.0);
                if both {
                    x * y
                } else if neither || x == y {
                    y
                } else {
                    x
                }
            }

            /// Degenerate bodies: a parameter returned as is.
            #[differentiable]
            pub fn identity(x: $t) -> $t {
                x
            }

            /// An unused parameter.
            #[differentiable]
            pub fn ignores_y(x: $t, _y: $t) -> $t {
                x * 2.0
            }

            /// Array elements not read.
            #[differentiable]
            pub fn first_only(x: [$t; 3]) -> $t {
                x[0]
            }

            /// A constant value.
            #[differentiable]
            pub fn constant(_x: $t) -> $t {
                -2.5
            }

            /// A `let` inside a branch shadows only there; the assignment to
            /// the outer binding survives the branch.
            #[differentiable]
            pub fn branch_shadow(x: $t, y: $t) -> $t {
                let a = x;
                let mut b = y;
                if x > 0.0 {
                    let a = a * 3.0;
                    b = a * b;
                }
                a * b
            }

            /// Assignment inside a plain block, then a shadowing `let` there.
            #[differentiable]
            pub fn block_assign(x: $t) -> $t {
                let mut a = x;
                {
                    a = a * 2.0;
                    let a = 100.0;
                    let _ = a;
                }
                a * x
            }

            /// A whole array reassigned from its own elements.
            #[differentiable]
            pub fn array_swap(x: $t, y: $t) -> $t {
                let mut a = [x, y];
                a = [a[1], a[0] * 2.0];
                a[0] * 10.0 + a[1]
            }

            /// Subscripts computed from the loop index and `len()`.
            #[differentiable]
            pub fn index_arithmetic(x: [$t; 6]) -> $t {
                let mut s = 0.0;
                for i in 0..x.len() / 2 {
                    s += x[2 * i + 1] * x[x.len() - 1 - i];
                }
                s
            }

            /// A loop inside a run-time `if` inside a loop, accumulating into
            /// a local array.
            #[differentiable]
            pub fn loop_if_loop(x: [$t; 3], y: $t) -> $t {
                let mut a = [0.0; 3];
                for i in 0..3 {
                    if x[i] > y {
                        for j in 0..3 {
                            a[j] += x[i] * x[j];
                        }
                    } else {
                        a[i] -= y;
                    }
                }
                a[0] + a[1] * 2.0 + a[2] * 3.0
            }

            /// The nested composition `x = x·sin x + cos x`, three
            /// and thirty deep.
            #[differentiable]
            pub fn composition_3(x: $t) -> $t {
                let mut x = x;
                for _ in 0..3 {
                    x = x.sin() * x + x.cos();
                }
                x
            }

            /// Thirty deep.
            #[differentiable]
            pub fn composition_30(x: $t) -> $t {
                let mut x = x;
                for _ in 0..30 {
                    x = x.sin() * x + x.cos();
                }
                x
            }

            /// `if`s nested three deep: each inner `if` reads values of the
            /// enclosing branch, and its result leaves only as the enclosing
            /// `if`'s result (the reverse sweep reverses such `if`s from
            /// their own nodes instead of recomputing them with the
            /// enclosing branch).
            #[differentiable]
            pub fn nested_ifs(x: $t, y: $t) -> $t {
                let a = x * y;
                let r = if x > 0.0 {
                    let b = a.sin() * x;
                    if b > 0.1 {
                        let c = b * y;
                        // a value of the enclosing branch leaves the `if`
                        // untouched when `c >= 10`
                        let mut d = c - a;
                        if c < 10.0 {
                            d = c * a + b;
                        }
                        d
                    } else {
                        b * b
                    }
                } else {
                    a * a
                };
                r * x
            }

            /// An array of one element.
            #[differentiable]
            pub fn len_one(x: [$t; 1]) -> $t {
                x[0] * 2.0
            }

            /// An array of none, and loops that run zero times.
            // the empty ranges are the point
            #[allow(clippy::reversed_empty_ranges)]
            #[differentiable]
            pub fn len_zero(x: [$t; 0], y: $t) -> $t {
                let mut s = y;
                for v in x {
                    s += v;
                }
                for _ in 0..0 {
                    s *= 2.0;
                }
                for _ in (3..1).rev() {
                    s *= 3.0;
                }
                s * y
            }

            /// A simulation with branches on loop-carried values: a dead zone
            /// force, a soft speed limit, a conditional reset.
            #[differentiable]
            pub fn dynamics(p: [$t; 3], y0: $t) -> $t {
                let mut y = y0;
                let mut v = 0.0;
                for i in 0..12 {
                    let force = if y > p[0] {
                        -p[1] * (y - p[0])
                    } else if y < -p[0] {
                        p[1] * (-p[0] - y)
                    } else {
                        0.0
                    };
                    v = v * 0.9 + force * 0.1 + (i as $t * 0.3).sin() * p[2];
                    if v.abs() > 1.0 {
                        v = v.signum() * (1.0 + (v.abs() - 1.0).ln_1p());
                    }
                    y += v * 0.1;
                    let mut t = y;
                    if t > 0.5 && v < 0.0 || t < -0.5 && !(v < 0.0) {
                        t = t * 0.5 + v;
                        y = t;
                    }
                }
                y * y + v
            }

            /// `&&` / `||` whose left side is known at compile time guard
            /// subscripts that would be out of bounds (`x[i - 1]` at i = 0,
            /// `x[i + 1]` at the end): the right side is not evaluated.
            #[differentiable]
            pub fn short_circuit(x: [$t; 3]) -> $t {
                let mut s = 0.0;
                for i in 0..3 {
                    if i > 0 && x[i - 1] > 0.0 {
                        s += x[i] * x[i - 1];
                    }
                    if i == 2 || x[i + 1] < x[i] {
                        s += x[i];
                    }
                }
                s
            }

            /// Raw identifiers as parameter and local names.
            #[differentiable]
            pub fn raw_names(r#type: $t) -> $t {
                let r#in = r#type * 3.0;
                r#in * r#type
            }

            /// `powi` in path form, like the other methods.
            #[differentiable]
            pub fn path_powi(x: $t) -> $t {
                $t::powi(x, 3) + $t::powf(x, 2.0)
            }

            /// More loop heads: `.iter().rev()`, `(i, v)` without `&`,
            /// `.enumerate().rev()`; integer bindings from `len()`.
            #[differentiable]
            pub fn loop_heads(x: [$t; 4]) -> $t {
                let n = x.len();
                let mut s = 0.0;
                let mut k = 1.0;
                for v in x.iter().rev() {
                    s += v * k;
                    k += 1.0;
                }
                for (i, v) in x.iter().enumerate() {
                    s += v * (i as $t);
                }
                for (i, &v) in x.iter().enumerate().rev() {
                    if i + 1 < n {
                        s += v * x[i + 1];
                    }
                }
                let m = 2 * n - 5;
                s + x[m] * (n as $t).sqrt()
            }

            /// A `mut` parameter reassigned in the body.
            #[differentiable]
            pub fn mut_param(mut x: $t, y: $t) -> $t {
                x *= y;
                x = x + y.sin();
                x + y
            }

            /// Functions called by other differentiable functions.
            pub mod physics {
                use macrograd::differentiable;

                /// ½Σqᵢ² + ½Σ(qᵢ₊₁ − qᵢ)²
                #[differentiable]
                pub fn energy(q: [$t; 3]) -> $t {
                    let mut e = 0.0;
                    for i in 0..3 {
                        e += 0.5 * q[i] * q[i];
                    }
                    for i in 0..2 {
                        e += 0.5 * (q[i + 1] - q[i]).powi(2);
                    }
                    e
                }

                /// a·sin b
                #[differentiable]
                pub fn pair(a: $t, b: $t) -> $t {
                    a * b.sin()
                }

                /// ½·k·x², the stiffness not differentiated
                #[differentiable]
                pub fn spring(x: $t, #[nograd] k: $t) -> $t {
                    0.5 * k * x * x
                }

                /// w0·x + w1, the weights not differentiated
                #[differentiable]
                pub fn affine(x: $t, #[nograd] w: [$t; 2]) -> $t {
                    w[0] * x + w[1]
                }

                /// Passes its own `#[nograd]` inputs (and constants) on to
                /// `#[nograd]` parameters of the callees.
                #[differentiable]
                pub fn pass_through(x: $t, #[nograd] k: $t, #[nograd] w: [$t; 2]) -> $t {
                    spring(x, k) + spring(x, 2.0 * k) + affine(x, w) * affine(x * x, [w[1], 1.0])
                }

                /// Calls the functions above several times, one of them with an
                /// array built in the body.
                #[differentiable]
                pub fn total(q: [$t; 3], s: $t) -> $t {
                    let e = energy(q);
                    let f = energy([q[2], q[0] * s, q[1]]);
                    e * s + f + pair(q[1], s) * pair(s, q[2])
                }

                /// A call in a loop and in a run-time `if`.
                #[differentiable]
                pub fn calls_in_control(q: [$t; 3], s: $t) -> $t {
                    let mut acc = 0.0;
                    for i in 0..3 {
                        acc += pair(q[i], s);
                    }
                    if acc > 0.0 {
                        acc = acc * pair(s, s);
                    } else {
                        acc = acc + energy(q);
                    }
                    acc
                }
            }

            /// Calls through `super::`, from a nested module.
            pub mod nested {
                use macrograd::differentiable;

                /// s·sin q1 + 2E(q)
                #[differentiable]
                pub fn via_super(q: [$t; 3], s: $t) -> $t {
                    super::physics::pair(s, q[1]) + 2.0 * super::super::$m::physics::energy(q)
                }
            }

            /// Calls by path: `crate::…::physics::energy(q)`, `physics::…`,
            /// `self::physics::…`.
            #[differentiable]
            pub fn by_path(q: [$t; 3], s: $t) -> $t {
                crate::$m::physics::energy(q) * s
                    + physics::total(q, s)
                    + self::physics::pair(s, q[0])
            }
        }
    };
}

corpus!(c64, f64);
corpus!(c32, f32);

// ---------------------------------------------------------------------------
// Bindings

#[test]
fn let_shadowing() {
    // f = 2y·(sin(xy) + x)
    for [x, y] in XY {
        let want = [
            2.0 * y * y * (x * y).cos() + 2.0 * y,
            2.0 * (x * y).sin() + 2.0 * x * y * (x * y).cos() + 2.0 * x,
        ];
        let (v64, g64) = c64::shadowing_grad(x, y);
        let (v32, g32) = c32::shadowing_grad(x as f32, y as f32);
        check_values(
            "shadowing",
            v64,
            c64::shadowing(x, y),
            v32,
            c32::shadowing(x as f32, y as f32),
        );
        check("shadowing", &[x, y], &want, &g64, &g32, |v| {
            c64::shadowing(v[0], v[1])
        });
    }
}

#[test]
fn reassignment() {
    // u = x(y + 1), f = u² + u
    for [x, y] in XY {
        let u = x * (y + 1.0);
        let want = [(2.0 * u + 1.0) * (y + 1.0), (2.0 * u + 1.0) * x];
        let (v64, g64) = c64::reassign_grad(x, y);
        let (v32, g32) = c32::reassign_grad(x as f32, y as f32);
        check_values(
            "reassign",
            v64,
            c64::reassign(x, y),
            v32,
            c32::reassign(x as f32, y as f32),
        );
        check("reassign", &[x, y], &want, &g64, &g32, |v| {
            c64::reassign(v[0], v[1])
        });
    }
}

#[test]
fn compound_assignment() {
    // f = (x/2 + y)·y/(x + 2)
    for [x, y] in XY {
        let want = [
            0.5 * y / (x + 2.0) - (0.5 * x + y) * y / (x + 2.0).powi(2),
            (0.5 * x + 2.0 * y) / (x + 2.0),
        ];
        let (v64, g64) = c64::compound_grad(x, y);
        let (v32, g32) = c32::compound_grad(x as f32, y as f32);
        check_values(
            "compound",
            v64,
            c64::compound(x, y),
            v32,
            c32::compound(x as f32, y as f32),
        );
        check("compound", &[x, y], &want, &g64, &g32, |v| {
            c64::compound(v[0], v[1])
        });
    }
}

#[test]
fn compound_assignment_of_itself() {
    // f = (2x² − x)/y
    for [x, y] in XY {
        let want = [(4.0 * x - 1.0) / y, -(2.0 * x * x - x) / (y * y)];
        let (v64, g64) = c64::compound_self_grad(x, y);
        let (v32, g32) = c32::compound_self_grad(x as f32, y as f32);
        check_values(
            "compound_self",
            v64,
            c64::compound_self(x, y),
            v32,
            c32::compound_self(x as f32, y as f32),
        );
        check("compound_self", &[x, y], &want, &g64, &g32, |v| {
            c64::compound_self(v[0], v[1])
        });
    }
}

// ---------------------------------------------------------------------------
// if

#[test]
fn if_else_if_else_expression_each_branch() {
    // (x, y, branch): 1 when x > 0 && y > 0; 2 when x < −1 || y ≥ 2; else 3
    let cases = [
        (1.5_f64, 0.75_f64, 1),
        (2.0, 3.0, 1),
        (-2.0, 0.5, 2),
        (-0.5, 3.0, 2),
        (-1.5, -1.0, 2),
        (0.5, -0.25, 3),
        (-0.5, 1.0, 3),
    ];
    for (x, y, branch) in cases {
        let want = match branch {
            1 => [2.0 * x * y, x * x],              // x²y
            2 => [3.0 * x * x + y, x],              // x³ + xy
            _ => [2.0 * x - y.sin(), -x * y.cos()], // x² − x·sin y
        };
        let (v64, g64) = c64::if_expr_grad(x, y);
        let (v32, g32) = c32::if_expr_grad(x as f32, y as f32);
        check_values(
            "if_expr",
            v64,
            c64::if_expr(x, y),
            v32,
            c32::if_expr(x as f32, y as f32),
        );
        check(
            &format!("if_expr branch {branch}"),
            &[x, y],
            &want,
            &g64,
            &g32,
            |v| c64::if_expr(v[0], v[1]),
        );
    }
}

#[test]
fn if_statements_each_branch() {
    // x > y: r = xy² + 1, else r = xy + eʸ; then r ↦ |r|
    let cases = [
        [2.0_f64, 1.0],
        [2.0, -1.5],
        [-3.0, -4.0],
        [0.5, 1.0],
        [-3.0, 0.5],
        [-5.0, 0.5],
    ];
    let mut signs = Vec::new();
    for [x, y] in cases {
        let (r, dr) = if x > y {
            (x * y * y + 1.0, [y * y, 2.0 * x * y])
        } else {
            (x * y + y.exp(), [y, x + y.exp()])
        };
        let sign = if r >= 0.0 { 1.0 } else { -1.0 };
        signs.push(sign);
        let want = [sign * dr[0], sign * dr[1]];
        let (v64, g64) = c64::if_stmt_grad(x, y);
        let (v32, g32) = c32::if_stmt_grad(x as f32, y as f32);
        check_values(
            "if_stmt",
            v64,
            c64::if_stmt(x, y),
            v32,
            c32::if_stmt(x as f32, y as f32),
        );
        check("if_stmt", &[x, y], &want, &g64, &g32, |v| {
            c64::if_stmt(v[0], v[1])
        });
    }
    // both sides of the `if` without `else` were exercised
    assert!(signs.contains(&1.0) && signs.contains(&-1.0));
}

#[test]
fn comparison_operators_and_ties() {
    for [x, y] in [
        [0.5_f64, 1.5],
        [2.0, 0.75],
        [1.5, 3.0],
        [-1.0, -2.0],
        [0.0, 1.0],
        [0.5, 0.5],
        [1.25, 1.25],
    ] {
        let da = if x <= y { [1.0, 0.0] } else { [0.0, 1.0] };
        let db = if x >= 1.0 { 2.0 * x } else { 2.0 };
        let dc = if x == y {
            [0.0, 0.0]
        } else if x != 0.0 {
            [y, x]
        } else {
            [0.0, 1.0]
        };
        let want = [da[0] + db + dc[0], da[1] + dc[1]];
        let (v64, g64) = c64::comparisons_grad(x, y);
        let (v32, g32) = c32::comparisons_grad(x as f32, y as f32);
        check_values(
            "comparisons",
            v64,
            c64::comparisons(x, y),
            v32,
            c32::comparisons(x as f32, y as f32),
        );
        assert_all_close(
            &g64.flat(),
            &want,
            TOL_64,
            &format!("comparisons f64 at ({x}, {y})"),
        );
        assert_all_close(
            &g32.flat(),
            &want,
            TOL_32,
            &format!("comparisons f32 at ({x}, {y})"),
        );
        // finite differences only where no comparison flips within the stencil
        if x != y && x != 0.0 {
            check("comparisons", &[x, y], &want, &g64, &g32, |v| {
                c64::comparisons(v[0], v[1])
            });
        }
    }
}

#[test]
fn if_as_tail_expression() {
    // s = xy > 1: f = x·ln(xy); s < −1: f = y; else relu(x) + xy
    let cases = [
        [2.0_f64, 1.5],
        [0.75, 4.0],
        [-2.0, 1.5],
        [1.5, -2.0],
        [0.5, 0.5],
        [-0.5, 0.75],
    ];
    for [x, y] in cases {
        let s = x * y;
        let want = if s > 1.0 {
            [s.ln() + 1.0, x / y]
        } else if s < -1.0 {
            [0.0, 1.0]
        } else {
            [if x > 0.0 { 1.0 } else { 0.0 } + y, x]
        };
        let (v64, g64) = c64::if_tail_grad(x, y);
        let (v32, g32) = c32::if_tail_grad(x as f32, y as f32);
        check_values(
            "if_tail",
            v64,
            c64::if_tail(x, y),
            v32,
            c32::if_tail(x as f32, y as f32),
        );
        check("if_tail", &[x, y], &want, &g64, &g32, |v| {
            c64::if_tail(v[0], v[1])
        });
    }
}

// ---------------------------------------------------------------------------
// for

/// Points for two scalar parameters.
#[test]
fn nested_ifs() {
    // every branch: c < 10, c >= 10, b <= 0.1 (twice), x <= 0
    let points: [[f64; 2]; 5] = [
        [0.5, 1.5],
        [1.5, 9.0],
        [0.25, 0.25],
        [1.5, 8.0],
        [-0.5, 1.5],
    ];
    for [x, y] in points {
        let a = x * y;
        let da = [y, x];
        let (r, dr) = if x > 0.0 {
            let b = a.sin() * x;
            let db = [a.cos() * y * x + a.sin(), a.cos() * x * x];
            if b > 0.1 {
                let c = b * y;
                let dc = [db[0] * y, db[1] * y + b];
                if c < 10.0 {
                    let d = |k: usize| dc[k] * a + c * da[k] + db[k];
                    (c * a + b, [d(0), d(1)])
                } else {
                    (c - a, [dc[0] - da[0], dc[1] - da[1]])
                }
            } else {
                (b * b, [2.0 * b * db[0], 2.0 * b * db[1]])
            }
        } else {
            (a * a, [2.0 * a * da[0], 2.0 * a * da[1]])
        };
        let want = [dr[0] * x + r, dr[1] * x];
        let (v64, g64) = c64::nested_ifs_grad(x, y);
        let (v32, g32) = c32::nested_ifs_grad(x as f32, y as f32);
        check_values(
            "nested_ifs",
            v64,
            c64::nested_ifs(x, y),
            v32,
            c32::nested_ifs(x as f32, y as f32),
        );
        check("nested_ifs", &[x, y], &want, &g64, &g32, |v| {
            c64::nested_ifs(v[0], v[1])
        });
    }
}

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

#[test]
fn for_range_with_cast_index() {
    for x in X4 {
        let want: Vec<f64> = (0..4).map(|i| 2.0 * (i as f64 + 1.0) * x[i]).collect();
        let (v64, g64) = c64::weighted_grad(x);
        let (v32, g32) = c32::weighted_grad(arr32(&x));
        check_values(
            "weighted",
            v64,
            c64::weighted(x),
            v32,
            c32::weighted(arr32(&x)),
        );
        check("weighted", &x, &want, &g64, &g32, |v| c64::weighted(arr(v)));
    }
}

#[test]
fn loop_index_subscripts() {
    let points = [
        [0.5_f64, -1.25, 2.0, 0.75, -0.5],
        [-2.0, 0.25, 1.5, -0.5, 1.0],
        [1.0, 1.0, -1.0, 3.0, 0.25],
        [0.125, -0.75, -2.5, 1.75, 2.0],
        [3.0, 2.5, 0.5, -1.5, -3.0],
    ];
    for x in points {
        // s = Σ(x[i+1] − x[i])² + ¼Σ x[i−1]·x[i] + x[0]·x[4]
        let mut want = vec![0.0; 5];
        for i in 0..4 {
            want[i + 1] += 2.0 * (x[i + 1] - x[i]);
            want[i] -= 2.0 * (x[i + 1] - x[i]);
            want[i] += 0.25 * x[i + 1];
            want[i + 1] += 0.25 * x[i];
        }
        want[0] += x[4];
        want[4] += x[0];
        let (v64, g64) = c64::neighbours_grad(x);
        let (v32, g32) = c32::neighbours_grad(arr32(&x));
        check_values(
            "neighbours",
            v64,
            c64::neighbours(x),
            v32,
            c32::neighbours(arr32(&x)),
        );
        check("neighbours", &x, &want, &g64, &g32, |v| {
            c64::neighbours(arr(v))
        });
    }
}

#[test]
fn reversed_range_horner() {
    let c = [0.5, -1.25, 2.0, 0.75];
    for x in [-1.5_f64, -0.5, 0.25, 1.0, 2.5] {
        // p(x) = c0 + c1·x + c2·x² + c3·x³: ∂x = c1 + 2c2·x + 3c3·x², ∂cᵢ = xⁱ
        let value = c[0] + c[1] * x + c[2] * x * x + c[3] * x * x * x;
        let dx = c[1] + 2.0 * c[2] * x + 3.0 * c[3] * x * x;
        let want = [dx, 1.0, x, x * x, x * x * x];
        let (v64, g64) = c64::horner_grad(x, c);
        let (v32, g32) = c32::horner_grad(x as f32, arr32(&c));
        assert_close!(v64, value, 1e-14);
        check_values(
            "horner",
            v64,
            c64::horner(x, c),
            v32,
            c32::horner(x as f32, arr32(&c)),
        );
        let pt = [&[x][..], &c[..]].concat();
        check("horner", &pt, &want, &g64, &g32, |v| {
            c64::horner(v[0], arr(&v[1..]))
        });

        let (v64, g64) = c64::horner_fixed_grad(x, c);
        let (v32, g32): (f32, f32) = c32::horner_fixed_grad(x as f32, arr32(&c));
        check_values(
            "horner_fixed",
            v64,
            c64::horner_fixed(x, c),
            v32,
            c32::horner_fixed(x as f32, arr32(&c)),
        );
        check("horner_fixed", &[x], &[dx], &g64, &g32, |v| {
            c64::horner_fixed(v[0], c)
        });
    }
}

#[test]
fn for_over_array() {
    for x in [
        [0.5_f64, -1.25, 2.0],
        [-2.0, 0.25, 1.5],
        [1.0, 1.0, -1.0],
        [0.125, -0.75, -2.5],
        [3.0, 2.5, 0.5],
    ] {
        let want: Vec<f64> = x.iter().map(|&v| v.sin() + v * v.cos()).collect();
        let (v64, g64) = c64::for_each_grad(x);
        let (v32, g32) = c32::for_each_grad(arr32(&x));
        check_values(
            "for_each",
            v64,
            c64::for_each(x),
            v32,
            c32::for_each(arr32(&x)),
        );
        check("for_each", &x, &want, &g64, &g32, |v| c64::for_each(arr(v)));
    }
}

#[test]
fn for_over_enumerate() {
    for (x, y) in X4.iter().zip([0.25_f64, 1.0, -0.5, 0.5, 2.75]) {
        // s = Σ i·xᵢ·y + e^xᵢ + [xᵢ > y]·xᵢ
        let mut want: Vec<f64> = (0..4)
            .map(|i| i as f64 * y + x[i].exp() + if x[i] > y { 1.0 } else { 0.0 })
            .collect();
        want.push((0..4).map(|i| i as f64 * x[i]).sum());
        let (v64, g64) = c64::enumerated_grad(*x, y);
        let (v32, g32) = c32::enumerated_grad(arr32(x), y as f32);
        check_values(
            "enumerated",
            v64,
            c64::enumerated(*x, y),
            v32,
            c32::enumerated(arr32(x), y as f32),
        );
        let pt = [&x[..], &[y][..]].concat();
        check("enumerated", &pt, &want, &g64, &g32, |v| {
            c64::enumerated(arr(&v[..4]), v[4])
        });
    }
}

#[test]
fn more_loop_heads() {
    for x in X4 {
        // s = Σⱼ x[3−j]·(j+1) + Σ i·xᵢ + Σ_{i<3} xᵢ·xᵢ₊₁ + 2·x3:
        // ∂xᵢ = (4 − i) + i + xᵢ₊₁ [i < 3] + xᵢ₋₁ [i > 0] + 2 [i = 3]
        let want: Vec<f64> = (0..4)
            .map(|i| {
                4.0 + if i < 3 { x[i + 1] } else { 0.0 }
                    + if i > 0 { x[i - 1] } else { 0.0 }
                    + if i == 3 { 2.0 } else { 0.0 }
            })
            .collect();
        let (v64, g64) = c64::loop_heads_grad(x);
        let (v32, g32) = c32::loop_heads_grad(arr32(&x));
        check_values(
            "loop_heads",
            v64,
            c64::loop_heads(x),
            v32,
            c32::loop_heads(arr32(&x)),
        );
        check("loop_heads", &x, &want, &g64, &g32, |v| {
            c64::loop_heads(arr(v))
        });
    }
}

#[test]
fn compile_time_condition_on_loop_index() {
    for x in X4 {
        // s = x0 + x0·x1 + x1·x2 + x2·x3
        let want = [1.0 + x[1], x[0] + x[2], x[1] + x[3], x[2]];
        let (v64, g64) = c64::index_conditions_grad(x);
        let (v32, g32) = c32::index_conditions_grad(arr32(&x));
        check_values(
            "index_conditions",
            v64,
            c64::index_conditions(x),
            v32,
            c32::index_conditions(arr32(&x)),
        );
        check("index_conditions", &x, &want, &g64, &g32, |v| {
            c64::index_conditions(arr(v))
        });
    }
}

// ---------------------------------------------------------------------------
// arrays, constants, #[nograd]

#[test]
fn local_arrays() {
    // s = 4x² + 4x²y + 2xy² + 2x + 2xy
    for [x, y] in XY {
        let want = [
            8.0 * x + 8.0 * x * y + 2.0 * y * y + 2.0 + 2.0 * y,
            4.0 * x * x + 4.0 * x * y + 2.0 * x,
        ];
        let (v64, g64) = c64::local_array_grad(x, y);
        let (v32, g32) = c32::local_array_grad(x as f32, y as f32);
        check_values(
            "local_array",
            v64,
            c64::local_array(x, y),
            v32,
            c32::local_array(x as f32, y as f32),
        );
        check("local_array", &[x, y], &want, &g64, &g32, |v| {
            c64::local_array(v[0], v[1])
        });
    }
}

#[test]
fn array_elements_assigned_in_if() {
    // x > y: f = y·y + xy = y² + xy, else f = xy + 1
    for [x, y] in [
        [2.0_f64, 1.0],
        [0.5, -1.5],
        [-1.0, 0.5],
        [0.25, 3.0],
        [-2.0, -3.0],
    ] {
        let want = if x > y { [y, 2.0 * y + x] } else { [y, x] };
        let (v64, g64) = c64::array_in_if_grad(x, y);
        let (v32, g32) = c32::array_in_if_grad(x as f32, y as f32);
        check_values(
            "array_in_if",
            v64,
            c64::array_in_if(x, y),
            v32,
            c32::array_in_if(x as f32, y as f32),
        );
        check("array_in_if", &[x, y], &want, &g64, &g32, |v| {
            c64::array_in_if(v[0], v[1])
        });
    }
}

#[test]
fn float_constants() {
    use std::f64::consts::{E, FRAC_1_SQRT_2, PI};
    for x in [-1.5_f64, -0.25, 0.125, 0.75, 2.0] {
        let want = [PI * (PI * x).cos() + E + 2.0 * FRAC_1_SQRT_2 * x];
        let (v64, g64) = c64::constants_grad(x);
        let (v32, g32) = c32::constants_grad(x as f32);
        check_values(
            "constants",
            v64,
            c64::constants(x),
            v32,
            c32::constants(x as f32),
        );
        check("constants", &[x], &want, &g64, &g32, |v| {
            c64::constants(v[0])
        });
    }
}

#[test]
fn nograd_parameters() {
    let (a, w) = (1.5, [0.5, -2.0]);
    for [x, y] in XY {
        let want = [2.0 * a * x + w[0] * y, w[0] * x + w[1]];
        let (v64, g64): (f64, (f64, f64)) = c64::nograd_mix_grad(a, x, w, y);
        let (v32, g32): (f32, (f32, f32)) =
            c32::nograd_mix_grad(a as f32, x as f32, arr32(&w), y as f32);
        check_values(
            "nograd_mix",
            v64,
            c64::nograd_mix(a, x, w, y),
            v32,
            c32::nograd_mix(a as f32, x as f32, arr32(&w), y as f32),
        );
        check("nograd_mix", &[x, y], &want, &g64, &g32, |v| {
            c64::nograd_mix(a, v[0], w, v[1])
        });
    }
}

#[test]
fn single_differentiable_parameter_gives_a_bare_entry() {
    for x in [-1.5_f64, -0.25, 0.125, 0.75, 2.0] {
        // the type annotation is the point: `f64`, not `(f64,)`
        let (v64, g64): (f64, f64) = c64::single_grad(x, 2.5);
        let (v32, g32): (f32, f32) = c32::single_grad(x as f32, 2.5);
        check_values(
            "single",
            v64,
            c64::single(x, 2.5),
            v32,
            c32::single(x as f32, 2.5),
        );
        check("single", &[x], &[7.5 * x * x], &g64, &g32, |v| {
            c64::single(v[0], 2.5)
        });
    }
}

#[test]
fn typed_lets_path_methods_and_return() {
    // f = y·sin x + max(x, y)
    for [x, y] in XY {
        let want = [
            y * x.cos() + if x > y { 1.0 } else { 0.0 },
            x.sin() + if y > x { 1.0 } else { 0.0 },
        ];
        let (v64, g64) = c64::typed_and_paths_grad(x, y);
        let (v32, g32) = c32::typed_and_paths_grad(x as f32, y as f32);
        check_values(
            "typed_and_paths",
            v64,
            c64::typed_and_paths(x, y),
            v32,
            c32::typed_and_paths(x as f32, y as f32),
        );
        check("typed_and_paths", &[x, y], &want, &g64, &g32, |v| {
            c64::typed_and_paths(v[0], v[1])
        });
    }
}

#[test]
fn condition_bindings() {
    let cases = [
        [0.5_f64, 1.25],
        [-1.5, -0.75],
        [2.0, -0.5],
        [-0.25, 2.0],
        [0.0, 0.0],
        [-1.0, -1.0],
    ];
    for [x, y] in cases {
        let want = if x > 0.0 && y > 0.0 {
            [y, x]
        } else if (x <= 0.0 && y <= 0.0) || x == y {
            [0.0, 1.0]
        } else {
            [1.0, 0.0]
        };
        let (v64, g64) = c64::bool_bindings_grad(x, y);
        let (v32, g32) = c32::bool_bindings_grad(x as f32, y as f32);
        check_values(
            "bool_bindings",
            v64,
            c64::bool_bindings(x, y),
            v32,
            c32::bool_bindings(x as f32, y as f32),
        );
        assert_all_close(
            &g64.flat(),
            &want,
            TOL_64,
            &format!("bool_bindings f64 at ({x}, {y})"),
        );
        assert_all_close(
            &g32.flat(),
            &want,
            TOL_32,
            &format!("bool_bindings f32 at ({x}, {y})"),
        );
        if x != 0.0 && y != 0.0 {
            check("bool_bindings", &[x, y], &want, &g64, &g32, |v| {
                c64::bool_bindings(v[0], v[1])
            });
        }
    }
}

#[test]
fn degenerate_bodies_give_exact_zeros_and_ones() {
    assert_eq!(c64::identity_grad(-1.5), (-1.5, 1.0));
    assert_eq!(c32::identity_grad(-1.5), (-1.5, 1.0));
    assert_eq!(c64::ignores_y_grad(0.75, 3.0), (1.5, (2.0, 0.0)));
    assert_eq!(c32::ignores_y_grad(0.75, 3.0), (1.5, (2.0, 0.0)));
    assert_eq!(
        c64::first_only_grad([0.5, 2.0, -3.0]),
        (0.5, [1.0, 0.0, 0.0])
    );
    assert_eq!(
        c32::first_only_grad([0.5, 2.0, -3.0]),
        (0.5, [1.0, 0.0, 0.0])
    );
    assert_eq!(c64::constant_grad(4.0), (-2.5, 0.0));
    assert_eq!(c32::constant_grad(4.0), (-2.5, 0.0));
}

#[test]
fn shadowing_inside_branches_and_blocks() {
    for [x, y] in XY {
        // x > 0: f = x·3xy = 3x²y, else f = xy
        let want = if x > 0.0 {
            [6.0 * x * y, 3.0 * x * x]
        } else {
            [y, x]
        };
        let (v64, g64) = c64::branch_shadow_grad(x, y);
        let (v32, g32) = c32::branch_shadow_grad(x as f32, y as f32);
        check_values(
            "branch_shadow",
            v64,
            c64::branch_shadow(x, y),
            v32,
            c32::branch_shadow(x as f32, y as f32),
        );
        check("branch_shadow", &[x, y], &want, &g64, &g32, |v| {
            c64::branch_shadow(v[0], v[1])
        });

        // f = 2x²
        let (v64, g64) = c64::block_assign_grad(x);
        let (v32, g32) = c32::block_assign_grad(x as f32);
        check_values(
            "block_assign",
            v64,
            c64::block_assign(x),
            v32,
            c32::block_assign(x as f32),
        );
        check("block_assign", &[x], &[4.0 * x], &g64, &g32, |v| {
            c64::block_assign(v[0])
        });

        // f = 10y + 2x
        let (v64, g64) = c64::array_swap_grad(x, y);
        let (v32, g32) = c32::array_swap_grad(x as f32, y as f32);
        check_values(
            "array_swap",
            v64,
            c64::array_swap(x, y),
            v32,
            c32::array_swap(x as f32, y as f32),
        );
        check("array_swap", &[x, y], &[2.0, 10.0], &g64, &g32, |v| {
            c64::array_swap(v[0], v[1])
        });
    }
}

#[test]
fn subscripts_from_index_arithmetic() {
    for x in [
        [0.5_f64, -1.25, 2.0, 0.75, -0.5, 1.5],
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        [-2.0, 0.25, 1.5, -0.5, 1.0, -3.0],
    ] {
        // s = x1·x5 + x3·x4 + x5·x3
        let want = [0.0, x[5], 0.0, x[4] + x[5], x[3], x[1] + x[3]];
        let (v64, g64) = c64::index_arithmetic_grad(x);
        let (v32, g32) = c32::index_arithmetic_grad(arr32(&x));
        check_values(
            "index_arithmetic",
            v64,
            c64::index_arithmetic(x),
            v32,
            c32::index_arithmetic(arr32(&x)),
        );
        check("index_arithmetic", &x, &want, &g64, &g32, |v| {
            c64::index_arithmetic(arr(v))
        });
    }
}

#[test]
fn loop_inside_branch_inside_loop() {
    let cases = [
        ([0.5_f64, -1.0, 2.0], 0.25),
        ([1.5, 0.75, -0.5], 1.0),
        ([-2.0, -1.5, -0.25], 0.5),
        ([3.0, 2.5, 2.0], -1.0),
        ([0.125, 0.5, -0.75], 0.25),
    ];
    for (x, y) in cases {
        // for each i with xᵢ > y: a += xᵢ·x (every j); else aᵢ −= y; f = Σ wⱼ·aⱼ, w = (1, 2, 3)
        let w = [1.0, 2.0, 3.0];
        let hot: Vec<usize> = (0..3).filter(|&i| x[i] > y).collect();
        let sum_hot: f64 = hot.iter().map(|&i| x[i]).sum();
        let wx: f64 = (0..3).map(|j| w[j] * x[j]).sum();
        let mut want: Vec<f64> = (0..3)
            .map(|k| w[k] * sum_hot + if hot.contains(&k) { wx } else { 0.0 })
            .collect();
        want.push(
            -(0..3)
                .filter(|i| !hot.contains(i))
                .map(|i| w[i])
                .sum::<f64>(),
        );
        let (v64, g64) = c64::loop_if_loop_grad(x, y);
        let (v32, g32) = c32::loop_if_loop_grad(arr32(&x), y as f32);
        check_values(
            "loop_if_loop",
            v64,
            c64::loop_if_loop(x, y),
            v32,
            c32::loop_if_loop(arr32(&x), y as f32),
        );
        let pt = [&x[..], &[y][..]].concat();
        check("loop_if_loop", &pt, &want, &g64, &g32, |v| {
            c64::loop_if_loop(arr(&v[..3]), v[3])
        });
    }
}

/// `x ↦ x·sin x + cos x` has derivative `x·cos x`, so n steps give
/// `∏ xₖ·cos xₖ` over the iterates (chain rule, computed here forward).
fn composition(x0: f64, n: usize) -> (f64, f64) {
    let (mut x, mut d) = (x0, 1.0);
    for _ in 0..n {
        d *= x * x.cos();
        x = x.sin() * x + x.cos();
    }
    (x, d)
}

#[test]
fn deep_nested_composition() {
    for x0 in [-2.0, 0.3, 3.0, 5.0, -4.5] {
        let (value, want) = composition(x0, 3);
        let (v64, g64) = c64::composition_3_grad(x0);
        let (v32, g32) = c32::composition_3_grad(x0 as f32);
        assert_eq!(v64, value);
        check_values(
            "composition_3",
            v64,
            c64::composition_3(x0),
            v32,
            c32::composition_3(x0 as f32),
        );
        // relative: the derivative is small near the fixed points ±π/2
        assert!(
            (g64 - want).abs() <= 1e-12 * want.abs(),
            "composition_3 at {x0}: {g64} vs {want}"
        );
        // the map is steep and the difference step grows with |x0| (5e-3 at
        // 5), so the quotient is good to ~1e-6 here
        assert_close!(
            g64,
            central_diff(c64::composition_3, x0),
            1e-5,
            "composition_3 at {x0}"
        );
        assert_close!(g32, want, 1e-3, "composition_3 f32 at {x0}");

        // thirty deep the iterates reach a superattracting fixed point, so
        // the derivative is ~0: check it against the product, without NaN
        let (value, want) = composition(x0, 30);
        let (v64, g64) = c64::composition_30_grad(x0);
        let (_, g32) = c32::composition_30_grad(x0 as f32);
        assert_eq!(v64, value);
        assert!(g64.is_finite() && g32.is_finite());
        assert!(
            (g64 - want).abs() <= 1e-12 * want.abs() + 1e-300,
            "composition_30 at {x0}: {g64} vs {want}"
        );
    }
}

#[test]
fn arrays_of_one_and_zero_elements_and_empty_loops() {
    assert_eq!(c64::len_one_grad([1.5]), (3.0, [2.0]));
    assert_eq!(c32::len_one_grad([1.5]), (3.0, [2.0]));
    assert_eq!(c64::len_one([-0.25]), -0.5);
    // f = y², f' = 2y; the empty array's gradient is empty
    for y in [-1.5_f64, 0.5, 2.0] {
        assert_eq!(c64::len_zero_grad([], y), (y * y, ([], 2.0 * y)));
        assert_eq!(
            c32::len_zero_grad([], y as f32),
            ((y * y) as f32, ([], 2.0 * y as f32))
        );
        assert_eq!(c64::len_zero([], y), y * y);
        assert_eq!(c32::len_zero([], y as f32), (y * y) as f32);
    }
}

#[derive(Clone, Copy, Debug)]
struct D {
    v: f64,
    d: [f64; 4],
}
impl D {
    fn c(v: f64) -> D {
        D { v, d: [0.0; 4] }
    }
    fn var(v: f64, i: usize) -> D {
        let mut d = [0.0; 4];
        d[i] = 1.0;
        D { v, d }
    }
    fn add(self, o: D) -> D {
        D {
            v: self.v + o.v,
            d: std::array::from_fn(|i| self.d[i] + o.d[i]),
        }
    }
    fn sub(self, o: D) -> D {
        D {
            v: self.v - o.v,
            d: std::array::from_fn(|i| self.d[i] - o.d[i]),
        }
    }
    fn mul(self, o: D) -> D {
        D {
            v: self.v * o.v,
            d: std::array::from_fn(|i| self.d[i] * o.v + self.v * o.d[i]),
        }
    }
    fn scale(self, k: f64) -> D {
        D {
            v: self.v * k,
            d: self.d.map(|x| x * k),
        }
    }
    fn neg(self) -> D {
        self.scale(-1.0)
    }
    fn abs(self) -> D {
        if self.v > 0.0 {
            self
        } else if self.v < 0.0 {
            self.neg()
        } else {
            D {
                v: 0.0,
                d: [0.0; 4],
            }
        }
    }
    fn ln_1p(self) -> D {
        D {
            v: self.v.ln_1p(),
            d: self.d.map(|x| x / (1.0 + self.v)),
        }
    }
}

/// `dynamics`, line for line, on dual numbers.
fn dynamics_dual(p: [f64; 3], y0: f64) -> D {
    let p = [D::var(p[0], 0), D::var(p[1], 1), D::var(p[2], 2)];
    let mut y = D::var(y0, 3);
    let mut v = D::c(0.0);
    for i in 0..12 {
        let force = if y.v > p[0].v {
            p[1].neg().mul(y.sub(p[0]))
        } else if y.v < -p[0].v {
            p[1].mul(p[0].neg().sub(y))
        } else {
            D::c(0.0)
        };
        v = v
            .scale(0.9)
            .add(force.scale(0.1))
            .add(p[2].scale((i as f64 * 0.3).sin()));
        if v.v.abs() > 1.0 {
            v = D::c(v.v.signum()).mul(D::c(1.0).add(v.abs().sub(D::c(1.0)).ln_1p()));
        }
        y = y.add(v.scale(0.1));
        let mut t = y;
        if t.v > 0.5 && v.v < 0.0 || t.v < -0.5 && v.v >= 0.0 {
            t = t.scale(0.5).add(v);
            y = t;
        }
    }
    y.mul(y).add(v)
}

#[test]
fn branches_on_loop_carried_values_match_forward_mode() {
    let cases = [
        ([0.8, 2.0, 1.5], 0.3),
        ([0.3, 5.0, 3.0], -1.0),
        ([1.2, 0.5, -2.0], 2.0),
        ([0.1, 10.0, 0.7], 0.0),
        ([0.6, 1.0, 5.0], -0.4),
    ];
    for (p, y0) in cases {
        let d = dynamics_dual(p, y0);
        let (v64, g64) = c64::dynamics_grad(p, y0);
        let (v32, g32) = c32::dynamics_grad(arr32(&p), y0 as f32);
        assert_eq!(v64, d.v);
        assert_eq!(v64, c64::dynamics(p, y0));
        assert_eq!(v32, c32::dynamics(arr32(&p), y0 as f32));
        assert_all_close(
            &g64.flat(),
            &d.d,
            TOL_64,
            &format!("dynamics f64 at {p:?}, {y0}"),
        );
        // f32 follows the same branches at these points; tolerance for 12 steps
        assert_all_close(
            &g32.flat(),
            &d.d,
            1e-4,
            &format!("dynamics f32 at {p:?}, {y0}"),
        );
    }
}

#[test]
fn mut_parameters() {
    for [x, y] in XY {
        // f = xy + sin y + y
        let want = [y, x + y.cos() + 1.0];
        let (v64, g64) = c64::mut_param_grad(x, y);
        let (v32, g32) = c32::mut_param_grad(x as f32, y as f32);
        check_values(
            "mut_param",
            v64,
            c64::mut_param(x, y),
            v32,
            c32::mut_param(x as f32, y as f32),
        );
        check("mut_param", &[x, y], &want, &g64, &g32, |v| {
            c64::mut_param(v[0], v[1])
        });
    }
}

/// `#[differentiable]` on functions a `macro_rules!` writes, with the caller's names
/// for the function, its parameters and its body.
macro_rules! product {
    ($name:ident($($p:ident),+)) => {
        #[macrograd::differentiable]
        fn $name($($p: f64),+) -> f64 {
            1.0 $(* $p)+
        }
    };
}

product!(product3(a, b, c));

#[test]
fn functions_written_by_macro_rules() {
    for [a, b] in XY {
        let c = a - b;
        let (v, g) = product3_grad(a, b, c);
        assert_eq!(v, product3(a, b, c));
        assert_all_close(&g.flat(), &[b * c, a * c, a * b], TOL_64, "product3");
    }
}

#[test]
fn compile_time_short_circuit_guards_subscripts() {
    let points = [
        [0.5_f64, -1.25, 2.0],
        [-2.0, 0.25, 1.5],
        [1.0, 1.5, -1.0],
        [0.125, -0.75, -2.5],
        [3.0, 2.5, 0.5],
    ];
    for x in points {
        // i = 1, 2: x[i]·x[i−1] where x[i−1] > 0; i = 0, 1: x[i] where x[i+1] < x[i]; and x[2]
        let mut want = [0.0, 0.0, 1.0];
        for i in 1..3 {
            if x[i - 1] > 0.0 {
                want[i] += x[i - 1];
                want[i - 1] += x[i];
            }
        }
        for i in 0..2 {
            if x[i + 1] < x[i] {
                want[i] += 1.0;
            }
        }
        let (v64, g64) = c64::short_circuit_grad(x);
        let (v32, g32) = c32::short_circuit_grad(arr32(&x));
        check_values(
            "short_circuit",
            v64,
            c64::short_circuit(x),
            v32,
            c32::short_circuit(arr32(&x)),
        );
        check("short_circuit", &x, &want, &g64, &g32, |v| {
            c64::short_circuit(arr(v))
        });
    }
}

#[test]
fn raw_identifiers_and_path_form_powi() {
    for x in [-1.5_f64, -0.25, 0.125, 0.75, 2.0] {
        // 3x², and x³ + x²
        let (v64, g64) = c64::raw_names_grad(x);
        let (v32, g32) = c32::raw_names_grad(x as f32);
        check_values(
            "raw_names",
            v64,
            c64::raw_names(x),
            v32,
            c32::raw_names(x as f32),
        );
        check("raw_names", &[x], &[6.0 * x], &g64, &g32, |v| {
            c64::raw_names(v[0])
        });

        let (v64, g64) = c64::path_powi_grad(x);
        let (v32, g32) = c32::path_powi_grad(x as f32);
        check_values(
            "path_powi",
            v64,
            c64::path_powi(x),
            v32,
            c32::path_powi(x as f32),
        );
        check(
            "path_powi",
            &[x],
            &[3.0 * x * x + 2.0 * x],
            &g64,
            &g32,
            |v| c64::path_powi(v[0]),
        );
    }
}

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
