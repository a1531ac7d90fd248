//! Expansion snapshots of the derived functions: `name_vjp`,
//! `name_jacobian` (both sweep directions), `name_jvp`, `name_hessian`,
//! `name_hvp` and `mode = forward`, compared with
//! `tests/snapshots/<name>.rs`.
//!
//! Regenerate after an intended change with `MACROGRAD_BLESS=1 cargo test
//! -p macrograd-codegen --test snapshots_higher` and read the diff.

use quote::quote;

mod snapshot;

use snapshot::check;

#[test]
fn vector_result_forward_jacobian() {
    // two inputs, three outputs: forward sweeps for the Jacobian
    check(
        "vector_spiral",
        quote!(),
        quote! {
            pub fn spiral(r: f64, t: f64) -> [f64; 3] {
                let c = t.cos();
                [r * c, r * t.sin(), r * r * c + t]
            }
        },
    );
}

#[test]
fn vector_result_reverse_jacobian() {
    // three inputs, one array output of two: reverse sweeps
    check(
        "vector_mix",
        quote!(),
        quote! {
            fn mix(x: [f64; 3], #[nograd] s: f64) -> [f64; 2] {
                let q = x[0] * x[1] + x[2].exp();
                [q * s, q.ln()]
            }
        },
    );
}

#[test]
fn hessian_and_hvp() {
    check(
        "hessian_rosenbrock",
        quote!(hessian),
        quote! {
            pub fn rosenbrock(x: f64, y: f64) -> f64 {
                let a = 1.0 - x;
                let b = y - x * x;
                a * a + 100.0 * b * b
            }
        },
    );
}

#[test]
fn forward_mode_with_two_tangents() {
    check(
        "mode_forward",
        quote!(mode = forward),
        quote! {
            fn compose(x: f64, a: f64) -> f64 {
                let mut x = x;
                for _ in 0..3 {
                    x = (x.sin() * x + x.cos()) * a;
                }
                x
            }
        },
    );
}

#[test]
fn hessian_with_short_formulas() {
    check(
        "hessian_short",
        quote!(hessian),
        quote! {
            fn bowl(x: f64, y: f64) -> f64 {
                x * x * y + y.sin()
            }
        },
    );
}

/// A call of another function's gradient: its value and gradient from
/// `h::pullback`, its derivative from one `h::hvp_pullback` (both reached
/// through `h`'s `Hessian` implementation).
#[test]
fn nested_gradient() {
    check(
        "nested_gradient",
        quote!(),
        quote! {
            fn grad_norm(x: f64, y: f64, #[nograd] c: f64) -> f64 {
                let (v, g) = h_grad(x, y, c);
                g.0 * g.0 + g.1 * g.1 + v
            }
        },
    );
}

/// `hvp` through a run-time state loop: the forward loop records each
/// state's tangent beside it, and the reverse loop recalls both.
#[test]
fn hvp_through_a_state_loop() {
    check(
        "hvp_state_loop",
        quote!(hessian),
        quote! {
            fn iterate(x: f64, y: f64, #[nograd] steps: usize) -> f64 {
                let mut s = x;
                for _ in 0..steps {
                    s = (s * y).sin() + 0.1 * s * s;
                }
                s
            }
        },
    );
}

/// `hessian` through calls of a helper: each call's partials are the
/// helper's gradient (`bump::pullback`), their tangents its HVP
/// (`bump::hvp_pullback`); a constant argument gets a zero direction of
/// whatever type the helper takes.
#[test]
fn hessian_through_a_call() {
    check(
        "hessian_through_call",
        quote!(hessian),
        quote! {
            fn through(a: f64, b: f64) -> f64 {
                bump(a.sin(), b) * a + bump(b, 2.0)
            }
        },
    );
}

/// `hessian` on a helper returning an array: `name_vjp_jvp` (the tangent
/// of its VJP) and the hidden `rotate::vjp_jvp` its callers use.
#[test]
fn vjp_jvp_of_a_vector_helper() {
    check(
        "vjp_jvp_rotate",
        quote!(hessian),
        quote! {
            fn rotate(p: [f64; 2], a: f64) -> [f64; 2] {
                [p[0] * a.cos() - p[1] * a.sin(), p[0] * a.sin() + p[1] * a.cos()]
            }
        },
    );
}

/// A Hessian through a call of a helper returning an array: the reverse
/// sweep's `rotate::vjp` call gets its tangent from `rotate::vjp_jvp`.
#[test]
fn hessian_through_a_vector_call() {
    check(
        "hessian_through_vector_call",
        quote!(hessian),
        quote! {
            fn through_rotate(x: f64, y: f64) -> f64 {
                let [u, v] = rotate([x, y], x);
                u * v
            }
        },
    );
}

/// `h_vjp` in a body: a call of `rotate` for the value and `rotate::vjp`
/// for the gradient; the reverse sweep goes through `rotate::jvp` (the
/// cotangent's adjoint) and `rotate::vjp_jvp` (the arguments').
#[test]
fn vjp_call_in_a_body() {
    check(
        "nested_vjp",
        quote!(),
        quote! {
            fn vjp_inside(x: f64, y: f64, a: f64) -> f64 {
                let (r, (gp, ga)) = rotate_vjp([x, y], a, [y, 1.0]);
                gp[0] * gp[0] + gp[1] * ga + r[0] * x
            }
        },
    );
}

/// A function returning an array over a slice: `name_vjp_into` adds
/// `cotangentᵀ·J` into `d_xs` in the reverse loop, `name_vjp` allocates it
/// and calls it; `name_jvp` reads `tangent[i]`; `name_jacobian` is the
/// uncallable stub.
#[test]
fn vjp_over_a_slice() {
    check(
        "vjp_slice",
        quote!(),
        quote! {
            pub fn moments(xs: &[f64], w: f64) -> [f64; 2] {
                let mut s = 0.0;
                let mut q = 0.0;
                for i in 0..xs.len() {
                    s += xs[i];
                    q += w * xs[i] * xs[i];
                }
                [s, q.sin()]
            }
        },
    );
}

/// A Hessian through a call with a struct literal argument: the
/// direction of `energy::hvp_pullback` is the literal with each float
/// replaced by its tangent; the entries are read by field.
#[test]
fn hessian_through_a_struct_literal() {
    check(
        "hessian_through_struct_literal",
        quote!(hessian),
        quote! {
            fn through_energy(x: f64, y: f64) -> f64 {
                energy(State { theta: x, omega: x * y }, y)
            }
        },
    );
}

/// A struct parameter passed on whole under `hessian`: the call's entry
/// for it is added into `d_s` (`add_struct_partial`), the tangent of that
/// statement into `hv_s` (the coefficient's tangent times the entry, and
/// the coefficient times the callee's `hvp_pullback` entry along `v_s`);
/// `name_hessian` calls `name_hvp` once per float of `(s, a)`.
#[test]
fn hessian_through_a_struct_passed_whole() {
    check(
        "hessian_struct_whole",
        quote!(hessian),
        quote! {
            fn outer(s: Pend, a: f64) -> f64 {
                pot(s, a) * s.theta
            }
        },
    );
}

/// `hvp` over a slice: `name_hvp_into` reads `v[i]` where the body reads
/// `x[i]` and adds into `d_x` and `hv_x`; `name_hvp` allocates both and
/// calls it; `name_jvp` reads `tangent[i]`.
#[test]
fn hvp_over_a_slice() {
    check(
        "hvp_slice",
        quote!(hvp),
        quote! {
            pub fn ext_rosen(x: &[f64]) -> f64 {
                let mut sum = 0.0;
                for i in 0..x.len() / 2 {
                    let a = 1.0 - x[2 * i];
                    let b = x[2 * i + 1] - x[2 * i] * x[2 * i];
                    sum += a * a + 100.0 * b * b;
                }
                sum
            }
        },
    );
}

/// `hvp` of a caller passing a slice on: the reverse sweep's `vjp_into`
/// call of each helper is followed, in the forward sweep over it, by its
/// tangent `hvp_into`, which adds into the caller's `hv_xs`.
#[test]
fn hvp_through_a_slice_passed_to_a_helper() {
    check(
        "hvp_slice_passed_to_a_helper",
        quote!(hvp),
        quote! {
            fn loss(xs: &[f64], w: f64) -> f64 {
                let a = squares(xs, w);
                let b = sines(xs);
                a * b + xs[0]
            }
        },
    );
}

/// `hvp` through a local buffer: the buffer's tangent is logged like the
/// buffer and popped with it in the reverse sweep.
#[test]
fn hvp_through_a_local_buffer() {
    check(
        "hvp_local_buffer",
        quote!(hvp),
        quote! {
            fn prefix(x: f64, y: f64, #[nograd] n: usize) -> f64 {
                let mut b = vec![x; n];
                for i in 1..n {
                    b[i] = b[i - 1] * y + (b[i] * x).sin();
                }
                b[n - 1]
            }
        },
    );
}

/// `hvp` through a buffer stepped in place (each iteration writes its own
/// element): the buffer and its tangent are both rolled back from their
/// saved slices.
#[test]
fn hvp_through_an_own_element_state_buffer() {
    check(
        "hvp_value_log",
        quote!(hvp),
        quote! {
            fn stepped(x: &[f64], #[nograd] steps: usize) -> f64 {
                let mut y = vec![0.0; x.len()];
                for i in 0..x.len() {
                    y[i] = x[i];
                }
                for _ in 0..steps {
                    for i in 0..x.len() {
                        y[i] = y[i] + 0.1 * (y[i] * x[i]).sin();
                    }
                }
                let mut s = 0.0;
                for i in 0..x.len() {
                    s += y[i] * y[i];
                }
                s
            }
        },
    );
}

/// `checkpoint = 4` over a loop whose state is a local buffer: the forward
/// pass saves the whole buffer once per segment (no per-step slices), the
/// backward pass restores a segment's start, reruns its steps with their
/// slices logged, and undoes them one by one.
#[test]
fn checkpointed_state_buffer() {
    check(
        "checkpoint_state_buffer",
        quote!(checkpoint = 4),
        quote! {
            fn euler_vec(x0: &[f64], k: f64, #[nograd] h: f64, steps: usize) -> f64 {
                let n = x0.len();
                let mut y = vec![0.0; n];
                for i in 0..n {
                    y[i] = x0[i];
                }
                for _ in 0..steps {
                    let mut left = 0.0;
                    for i in 0..n {
                        let old = y[i];
                        y[i] = old + h * (left - k * old * old);
                        left = old;
                    }
                }
                let mut s = 0.0;
                for i in 0..n {
                    s += y[i] * y[i];
                }
                s
            }
        },
    );
}

#[test]
fn struct_result_jacobian() {
    // rows in the struct's declaration order, whatever the literal's
    check(
        "struct_result_jacobian",
        quote!(),
        quote! {
            pub fn polar(r: f64, t: f64) -> State {
                State { omega: r * t.sin(), theta: r * t.cos() }
            }
        },
    );
}

#[test]
fn struct_result_with_base() {
    // `..base`: the value and tangent copy the parameter's parts, the VJP
    // adds the cotangent's parts into its gradient
    check(
        "struct_result_with_base",
        quote!(),
        quote! {
            pub fn bend(r: &Robot, a: f64) -> Robot {
                Robot { arm: Arm { l1: a * r.arm.l1, ..r.arm }, ..*r }
            }
        },
    );
}

#[test]
fn struct_result_returned_whole() {
    // a call's struct result copied with `..p` into the literal returned:
    // the value and tangent start from the producer's, the VJP adds the
    // cotangent (its own fields zeroed) into the producer's
    check(
        "struct_result_returned_whole",
        quote!(),
        quote! {
            pub fn based(t: f64, y: State) -> State {
                let p = twist(t, y);
                State { omega: t * p.omega, ..p }
            }
        },
    );
}

#[test]
fn vjp_passing_a_struct_on() {
    // the struct's gradient declared first, the callee's added into it
    check(
        "vjp_struct_call",
        quote!(),
        quote! {
            pub fn pass_on(s: State, k: f64) -> [f64; 2] {
                let State { theta, omega } = kick(s, k);
                [theta * omega, s.theta + omega]
            }
        },
    );
}

#[test]
fn method_returning_a_struct_and_its_caller() {
    // the callee's `_vjp`, `_jvp`, `_jacobian` and hidden
    // `__step_vjp`/`__step_jvp`/`__step_pullback` in its `impl`; the caller
    // takes the result apart and goes through the hidden items
    check(
        "method_struct_result",
        quote!(),
        quote! {
            pub fn step(&self, #[nograd] h: f64) -> Self {
                State { x: self.x + h * self.v, v: self.v - h * self.x }
            }
        },
    );
    check(
        "method_struct_call",
        quote!(),
        quote! {
            pub fn run(&self, #[nograd] h: f64) -> f64 {
                let State { x, v } = self.step(h);
                x * v
            }
        },
    );
    // an associated function taking `Self` by value: the receiver passed
    // as `*self`, and a literal copying the rest from `..*self`
    check(
        "assoc_by_value_call",
        quote!(),
        quote! {
            pub fn run_pot(&self, #[nograd] h: f64) -> f64 {
                Self::pot(State { v: 1.0, ..*self }, h) + Self::pot(*self, h) * self.x
            }
        },
    );
}

#[test]
fn recorded_exp_tape() {
    // `record`: the forward loop keeps each `exp(xᵢ − m)` on `exp_tape`
    // and the reverse loop reads it back instead of calling `exp` again;
    // the max loop's tape (`m`) is the state's, as without `record`
    check(
        "record_exp_tape",
        quote!(record),
        quote! {
            pub fn logsumexp(x: &[f64]) -> f64 {
                let mut m = x[0];
                for &xi in x {
                    m = m.max(xi);
                }
                let mut s = 0.0;
                for &xi in x {
                    s += (xi - m).exp();
                }
                m + s.ln()
            }
        },
    );
}

/// A helper returning an array with a run-time `if` (BA's `rotate`), and
/// a caller of it (BA's `project`): the hidden `rotate::forward` and
/// `project::forward` give the value with a closure over what their reverse
/// sweeps read, which the caller's reverse sweep calls instead of
/// recomputing the helper.
#[test]
fn vector_saved_forward() {
    check(
        "vector_saved_rotate",
        quote!(),
        quote! {
            pub fn rotate(r: [f64; 3], y: [f64; 3]) -> [f64; 3] {
                let theta2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
                if theta2 != 0.0 {
                    let theta = theta2.sqrt();
                    let (s, c) = theta.sin_cos();
                    let k = (r[0] * y[0] + r[1] * y[1] + r[2] * y[2]) * (1.0 - c) / theta2;
                    [
                        y[0] * c + (r[1] * y[2] - r[2] * y[1]) * s / theta + r[0] * k,
                        y[1] * c + (r[2] * y[0] - r[0] * y[2]) * s / theta + r[1] * k,
                        y[2] * c + (r[0] * y[1] - r[1] * y[0]) * s / theta + r[2] * k,
                    ]
                } else {
                    [
                        y[0] + r[1] * y[2] - r[2] * y[1],
                        y[1] + r[2] * y[0] - r[0] * y[2],
                        y[2] + r[0] * y[1] - r[1] * y[0],
                    ]
                }
            }
        },
    );
    check(
        "vector_saved_project",
        quote!(),
        quote! {
            pub fn project(cam: [f64; 5], x: [f64; 3]) -> [f64; 2] {
                let z: [f64; 3] = rotate([cam[0], cam[1], cam[2]], x);
                [cam[3] * z[0] / z[2], cam[4] * z[1] / z[2]]
            }
        },
    );
    check(
        "vector_saved_caller",
        quote!(),
        quote! {
            pub fn reproj(cam: [f64; 5], x: [f64; 3], #[nograd] feat: [f64; 2]) -> f64 {
                let p: [f64; 2] = project(cam, x);
                let e0 = p[0] - feat[0];
                let e1 = p[1] - feat[1];
                e0 * e0 + e1 * e1
            }
        },
    );
}

/// `hessian` on a method: beside `energy_hessian`/`energy_hvp`, the
/// hidden `__energy_hvp_pullback` of its `impl` (a direction of `Self`
/// for the receiver) for differentiable callers.
#[test]
fn hessian_on_a_method() {
    check(
        "hessian_method",
        quote!(hessian),
        quote! {
            pub fn energy(&self, y: f64) -> f64 {
                0.5 * self.k * self.x * self.x * y
            }
        },
    );
}

/// A Hessian through a method call on a literal receiver and an
/// associated function's call: their partials come from
/// `__f_pullback`, their second derivatives from `__f_hvp_pullback` with
/// the literal's tangent as the receiver's direction.
#[test]
fn hessian_through_method_calls() {
    check(
        "hessian_through_method_call",
        quote!(hessian),
        quote! {
            fn through_method(a: f64, b: f64) -> f64 {
                Spring { k: a, x: b }.energy(a * b) + Spring::pot(Spring { k: b, x: a }, a)
            }
        },
    );
}

/// `hessian` on a method returning an array: beside `tip_vjp_jvp`, the
/// hidden `__tip_vjp_jvp` of its `impl` (the receiver's entry a `Self`,
/// wrapped in `Hvp`) for callers with `hessian`.
#[test]
fn hessian_on_a_vector_method() {
    check(
        "hessian_vector_method",
        quote!(hessian),
        quote! {
            pub fn tip(&self, q: f64) -> [f64; 2] {
                [self.l * q.cos(), self.l * self.w * q.sin()]
            }
        },
    );
}

/// A Hessian through a method returning an array (its hidden
/// `__tip_vjp_jvp`, the literal receiver bound to a name) and a free
/// helper returning a struct read by field (`to_xy::vjp_jvp`, the
/// cotangent and its tangent the struct's zero with the field read set).
#[test]
fn hessian_through_vector_method_and_struct_result_calls() {
    check(
        "hessian_through_vector_method_call",
        quote!(hessian),
        quote! {
            fn through_tip(a: f64, b: f64) -> f64 {
                let [x, y] = Arm { l: a, w: b }.tip(b);
                let p = to_xy(a, x);
                p.y * y
            }
        },
    );
}

/// A Hessian through a method returning a struct taken apart by a pattern
/// and an associated function returning a struct read by field: their
/// hidden `__turned_vjp_jvp` and `__polar_vjp_jvp`, the cotangents and
/// their tangents struct literals (the fields read, zero elsewhere).
#[test]
fn hessian_through_struct_method_calls() {
    check(
        "hessian_through_struct_method_call",
        quote!(hessian),
        quote! {
            fn through_turned(a: f64, b: f64) -> f64 {
                let Point { x, .. } = Arm { l: a, w: b }.turned(b);
                let p = Point::polar(a, x);
                p.y * x
            }
        },
    );
}

/// `hessian` on a function whose struct result copies fields by `..s`:
/// `shift_vjp_jvp` adds the cotangent's copied part into the gradient
/// and the cotangent tangent's into the gradient's tangent.
#[test]
fn hessian_on_a_struct_result_with_base() {
    check(
        "hessian_struct_result_with_base",
        quote!(hessian),
        quote! {
            fn shift(s: Point, d: f64) -> Point {
                Point { x: s.x + d * d, ..s }
            }
        },
    );
}

/// `hvp` of a function passing a struct parameter whole to a helper
/// returning an array: the forward sweep over the reverse one calls
/// `pair::vjp_jvp` with the struct's direction `v_s` as its tangent and
/// adds its entry for the struct into `hv_s`.
#[test]
fn hvp_of_a_struct_passed_to_a_vector_call() {
    check(
        "hvp_struct_to_vector_call",
        quote!(hvp),
        quote! {
            fn energy(s: State, k: f64) -> f64 {
                let [a, b] = pair(s, k);
                a * b + s.v * k
            }
        },
    );
}
