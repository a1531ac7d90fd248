//! The corpus of `test_control`: every function written once, instantiated
//! in f64 (`c64`) and f32 (`c32`) by the parent.

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
