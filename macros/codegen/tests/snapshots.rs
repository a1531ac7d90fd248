//! Expansion snapshots: what `#[differentiable]` writes for representative functions,
//! pretty-printed, compared with `tests/snapshots/<name>.rs`.
//!
//! They are reviewed in diffs so the generated code stays readable. After an
//! intended change, regenerate with `MACROGRAD_BLESS=1 cargo test -p
//! macrograd-codegen --test snapshots` and read the diff.

use quote::quote;

mod snapshot;

// local state buffers: Euler, RK4, GMM, value logs
#[path = "snapshot/buffers.rs"]
mod buffers;

/// A snapshot of the plain attribute, `#[differentiable]`.
fn check(name: &str, item: proc_macro2::TokenStream) {
    snapshot::check(name, quote!(), item);
}

#[test]
fn linear_loss() {
    check(
        "linear_loss",
        quote! {
            fn loss(w: f64, b: f64, #[nograd] x: f64, #[nograd] y: f64) -> f64 {
                let pred = w * x + b;
                (pred - y).powi(2)
            }
        },
    );
}

#[test]
fn rosenbrock() {
    check(
        "rosenbrock",
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
fn extended_rosenbrock_loop() {
    check(
        "extended_rosenbrock",
        quote! {
            fn rosen4(x: [f64; 4]) -> f64 {
                let mut sum = 0.0;
                for i in 0..3 {
                    let a = x[i + 1] - x[i] * x[i];
                    let b = 1.0 - x[i];
                    sum += 100.0 * a * a + b * b;
                }
                sum
            }
        },
    );
}

#[test]
fn branch() {
    check(
        "branch",
        quote! {
            fn soft_abs(x: f32, #[nograd] eps: f32) -> f32 {
                if x.abs() < eps {
                    x * x / (2.0 * eps)
                } else {
                    x.abs() - 0.5 * eps
                }
            }
        },
    );
}

#[test]
fn neuron_with_call() {
    check(
        "neuron",
        quote! {
            pub fn neuron(w: [f64; 3], b: f64, #[nograd] x: [f64; 3]) -> f64 {
                let mut act = b;
                for (i, &xi) in x.iter().enumerate() {
                    act += w[i] * xi;
                }
                relu(act) + crate::penalty::l2(w)
            }
        },
    );
}

#[test]
fn micrograd_sanity() {
    check(
        "micrograd_sanity",
        quote! {
            fn sanity(x: f64) -> f64 {
                let z = 2.0 * x + 2.0 + x;
                let q = relu(z) + z * x;
                let h = relu(z * z);
                h + q + q * x
            }
        },
    );
}

#[test]
fn forward_mode_with_a_call() {
    check(
        "forward_call",
        quote! {
            /// Height of a projectile launched at angle `theta`, after a drag term
            /// computed by another `#[differentiable]` function.
            fn height(theta: f64, #[nograd] v: f64, #[nograd] t: f64) -> f64 {
                let vy = v * theta.sin();
                let mut h = vy * t - 0.5 * 9.81 * t * t;
                for k in 0..2 {
                    h -= drag(vy, k as f64);
                }
                h
            }
        },
    );
}

#[test]
fn least_squares_over_a_slice() {
    // the reverse loop only sums and its seed is known before the loop:
    // fused into the forward loop, one pass over the data
    check(
        "least_squares_slice",
        quote! {
            pub fn least_squares(w: f64, b: f64, #[nograd] xs: &[f64], #[nograd] ys: &[f64]) -> f64 {
                let mut s = 0.0;
                for (&x, &y) in xs.iter().zip(ys) {
                    let r = w * x + b - y;
                    s += r * r;
                }
                s / (xs.len() as f64)
            }
        },
    );
}

#[test]
fn euler_with_a_tape() {
    // loop-carried state: recorded once per step, read back by the reverse loop
    check(
        "euler_tape",
        quote! {
            fn pendulum(theta0: f64, omega0: f64, #[nograd] g: f64, #[nograd] h: f64, steps: usize) -> f64 {
                let mut theta = theta0;
                let mut omega = omega0;
                for _ in 0..steps {
                    let alpha = -g * theta.sin();
                    theta = theta + h * omega;
                    omega = omega + h * alpha;
                }
                theta
            }
        },
    );
}

#[test]
fn differentiable_slice_windows() {
    // `d_x[i] += …` into the caller's buffer, `x_grad` allocating it
    check(
        "slice_windows",
        quote! {
            pub fn roughness(x: &[f64]) -> f64 {
                let mut s = 0.0;
                for w in x.windows(2) {
                    s += (w[1] - w[0]).powi(2);
                }
                s
            }
        },
    );
}

#[test]
fn reference_parameters_and_sin_cos() {
    check(
        "reference_parameters_and_sin_cos",
        quote! {
            fn spin(x: &f64, w: &[f64; 2]) -> f64 {
                let (s, c) = x.sin_cos();
                w[0] * s + w[1] * c
            }
        },
    );
}

/// A `grad!` closure capturing data, a float and a size, shown inside a
/// function so that it pretty-prints.
#[test]
fn closure_captures() {
    let out = macrograd_codegen::expand_closure(quote! {
        |w: [f64; 2]| scale * loss(w, &xs, &ys) + w[n - 1]
    });
    let wrapped = quote! { fn captures() { let f = #out; } };
    snapshot::compare("closure_captures", wrapped);
}

#[test]
fn derivative_of_an_external_function() {
    let out = macrograd_codegen::derivative::expand_derivative(quote! {
        pub fn erf(x: f64) -> f64 = libm::erf(x);
        gradient = 2.0 / core::f64::consts::PI.sqrt() * (-x * x).exp();
    });
    snapshot::compare("derivative_erf", out);
}

#[test]
fn tuple_parameters() {
    check(
        "tuple_parameters",
        quote! {
            fn polar(p: (f64, f64), #[nograd] c: (f64, f64)) -> f64 {
                let (r, t) = p;
                c.0 * r * t.cos() + c.1 * inner((r, t))
            }
        },
    );
}

#[test]
fn struct_parameters_and_calls() {
    check(
        "struct_parameters",
        quote! {
            pub fn reach(r: &Robot, s: State, #[nograd] data: &[Sample]) -> f64 {
                let moved = State { theta: s.theta * r.mass, ..s };
                let mut fit = 0.0;
                for p in data {
                    fit += (r.arm.w[0] * p.t - p.y).powi(2);
                }
                r.mass * r.arm.l1 + energy(moved, 9.81) + fit
            }
        },
    );
}

#[test]
fn method_with_self() {
    check(
        "method_with_self",
        quote! {
            pub fn energy(&self, #[nograd] k: f64) -> f64 {
                self.kinetic() + 0.5 * k * self.x * self.x
            }
        },
    );
}

/// A state loop (an online log-sum-exp) nested in an accumulating loop:
/// the forward pass runs the inner loop once, recording its tape, and the
/// reverse sweep replays it (the copy that fusion puts beside it is merged).
#[test]
fn nested_state_loop_runs_once_forward() {
    check(
        "nested_state_loop",
        quote! {
            fn nested_lse(w: &[f64], #[nograd] xs: &[f64]) -> f64 {
                let mut total = 0.0;
                for &x in xs {
                    let mut top = f64::NEG_INFINITY;
                    let mut scaled = 0.0;
                    for &wc in w {
                        let beta = wc * x;
                        let next = top.max(beta);
                        scaled = scaled * (top - next).exp() + (beta - next).exp();
                        top = next;
                    }
                    total += top + scaled.ln();
                }
                total
            }
        },
    );
}

/// `&&` and `||` whose right side indexes a slice: the right side runs only
/// when the left does not decide (an `if` on the left side), in the forward
/// pass and in the reverse sweep's recomputation.
#[test]
fn short_circuit_guards() {
    check(
        "short_circuit",
        quote! {
            fn guarded(w: f64, xs: &[f64]) -> f64 {
                let mut s = 0.0;
                for i in 0..xs.len() {
                    if i > 0 && xs[i - 1] > 0.0 {
                        s += w * xs[i - 1] * xs[i];
                    }
                    if i + 1 >= xs.len() || xs[i + 1] < 0.0 {
                        s += w;
                    }
                }
                s
            }
        },
    );
}

/// An explicit Euler step over a state held in a local `vec!` buffer (the
/// form of GradBench's ode): the reverse sweep of each step undoes its
/// writes from the buffer's undo log.
#[test]
fn nested_struct_pattern_at_a_call() {
    // the call's pattern and the VJP's cotangent nest as written
    check(
        "nested_struct_pattern",
        quote! {
            pub fn use_split(s: State, k: f64) -> f64 {
                let Pair { a: State { theta, omega }, b } = split(s, k);
                theta * omega + b * b
            }
        },
    );
}

#[test]
fn struct_result_bound_to_a_name() {
    // the value is bound whole and read by field; the VJP's cotangent is
    // the struct's zero (typed by a closure making the call, never
    // called) with the fields read set
    check(
        "struct_result_named",
        quote! {
            pub fn energy(t: f64, y: State) -> f64 {
                let p = twist(t, y);
                p.omega * p.omega + p.arm.l1 * p.w[1]
            }
        },
    );
}

#[test]
fn tuple_struct_literal_pattern_and_read() {
    // `P(a, b)` is the struct value `P { 0: a, 1: b }`; `let P(x, y) = …`
    // and `q.0` on a call's result go through its VJP with a numbered
    // pattern or cotangent
    check(
        "tuple_struct",
        quote! {
            pub fn after(p: P, #[nograd] h: f64) -> f64 {
                let P(x, y) = rot(P(p.1, p.0 * p.0), h);
                let q = rot(p, h);
                x * y + q.0
            }
        },
    );
}

#[test]
fn struct_result_passed_on_whole() {
    // the result is passed whole to another call: the callee's gradient
    // entry for it goes into the producer's cotangent (reverse), and is
    // dotted with the producer's result tangent (forward)
    check(
        "struct_result_whole",
        quote! {
            pub fn mixed(t: f64, y: State) -> f64 {
                let p: State = twist(t, y);
                two(p, y) + kin(State { omega: t, ..p })
            }
        },
    );
}

#[test]
fn struct_variable_carried_through_a_loop() {
    // the variable's floats are carried (and recorded for the reverse
    // sweep); the call's result is taken apart by its fields
    check(
        "struct_variable_loop",
        quote! {
            pub fn carried(s0: State, #[nograd] h: f64, steps: usize) -> f64 {
                let mut s = State { theta: s0.theta, omega: s0.omega };
                for _ in 0..steps {
                    s = step(s, h);
                }
                s.theta * s.theta + s.omega
            }
        },
    );
}

#[test]
fn method_returning_an_array_and_its_caller() {
    // the callee's hidden `__tip_vjp`/`__tip_jvp` beside its own
    // derived functions; the caller goes through them
    check(
        "method_array_result",
        quote! {
            pub fn tip(&self, q: f64) -> [f64; 2] {
                [self.x * q.cos(), self.v * q.sin()]
            }
        },
    );
    check(
        "method_array_call",
        quote! {
            pub fn reach(&self, q: f64) -> f64 {
                let [a, b] = self.tip(q);
                a * a + b * q
            }
        },
    );
}

#[test]
fn associated_function_returning_an_array_called() {
    // `Self::tip(..)`: through the hidden `Self::__tip_vjp`/`__tip_jvp`
    // (the callee's items are those of `method_array_result`)
    check(
        "assoc_array_call",
        quote! {
            pub fn reach(&self, q: f64) -> f64 {
                let [a, b] = Self::tip(self, q);
                a * a + b * q
            }
        },
    );
}

#[test]
fn slice_passed_to_a_helper() {
    // the forward pass calls the helper for its value; the reverse sweep
    // calls its hidden `vjp_into`, which adds into the caller's `d_xs`;
    // `loss_jvp` calls its hidden `jvp` with the direction `tangent_xs`
    check(
        "slice_passed_to_a_helper",
        quote! {
            fn loss(xs: &[f64], w: f64) -> f64 {
                let a = squares(xs, w);
                let b = sines(xs);
                a * b + xs[0]
            }
        },
    );
}
