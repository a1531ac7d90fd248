//! Expansion snapshots: what `#[differentiable]` writes for representative functions,
//! pretty-printed, compared with `tests/snapshots/<name>.rs`.
//!
//! They are reviewed in diffs so the generated code stays readable. After an
//! intended change, regenerate with `MACROGRAD_BLESS=1 cargo test -p
//! macrograd-codegen --test snapshots` and read the diff.

use quote::quote;

mod snapshot;

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
fn state_buffer_euler() {
    check(
        "state_buffer_euler",
        quote! {
            fn chain(x0: &[f64], k: f64, #[nograd] h: f64, steps: usize) -> f64 {
                let n = x0.len();
                let mut x = vec![0.0; n];
                for i in 0..n {
                    x[i] = x0[i];
                }
                for _ in 0..steps {
                    let mut left = 0.0;
                    for i in 0..n {
                        let old = x[i];
                        x[i] = old + h * (left - k * old);
                        left = old;
                    }
                }
                let mut s = 0.0;
                for i in 0..n {
                    s += x[i] * x[i];
                }
                s
            }
        },
    );
}

/// Explicit Euler over two state buffers (the `state_vector` bench): the
/// reverse of a step recomputes neither sweep, since the recomputed `dx`
/// is read only by the recomputed `x` update, whose writes the reverse
/// sweep undoes at once.
#[test]
fn state_buffers_two_sweeps() {
    check(
        "state_buffers_two_sweeps",
        quote! {
            fn chain(x0: &[f64], k: f64, #[nograd] h: f64, steps: usize) -> f64 {
                let n = x0.len();
                let mut x = vec![0.0; n];
                for i in 0..n {
                    x[i] = x0[i];
                }
                let mut dx = vec![0.0; n];
                for _ in 0..steps {
                    for i in 0..n {
                        let left = if i > 0 { x[i - 1] } else { 0.0 };
                        dx[i] = -k * x[i] + left;
                    }
                    for i in 0..n {
                        x[i] += h * dx[i];
                    }
                }
                let mut s = 0.0;
                for i in 0..n {
                    s += x[i] * x[i];
                }
                s
            }
        },
    );
}

/// GradBench's ode (RK4 swept component by component over a state
/// buffer): each step's reverse rolls the buffer back once, replays the
/// sweep only to record its four carried values, and sweeps it backwards.
#[test]
fn rk4_sweep_over_a_state_buffer() {
    check(
        "rk4_state_buffer",
        quote! {
        pub fn ode_last(x: &[f64], s: usize) -> f64 {
            let n = x.len();
            let h = 2.0 / (s as f64);
            let mut y = vec![0.0; n];
            for _ in 0..s {
                let mut before = 1.0;
                let mut k1_before = 0.0;
                let mut k2_before = 0.0;
                let mut k3_before = 0.0;
                for i in 0..n {
                    let k1 = x[i] * before;
                    let k2 = x[i] * (before + 0.5 * h * k1_before);
                    let k3 = x[i] * (before + 0.5 * h * k2_before);
                    let k4 = x[i] * (before + h * k3_before);
                    before = y[i];
                    y[i] = before + h * (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0;
                    k1_before = k1;
                    k2_before = k2;
                    k3_before = k3;
                }
            }
            y[n - 1]
        }
                },
    );
}

/// GradBench's GMM objective (the loops over points, components, rows and
/// the triangle's columns): what the reverse sweep recomputes and records.
#[test]
fn gmm_objective() {
    check(
        "gmm_objective",
        quote! {
            pub fn gmm_log_posterior(
                alpha: &[f64],
                mu: &[f64],
                q: &[f64],
                l: &[f64],
                #[nograd] x: &[f64],
                d: usize,
                m: usize,
                #[nograd] gamma: f64,
            ) -> f64 {
                let k = alpha.len();
                let n = x.len() / d;
                let tri = d * (d - 1) / 2;
                let mut data = 0.0;
                for i in 0..n {
                    let mut top = f64::NEG_INFINITY;
                    let mut scaled = 0.0;
                    for c in 0..k {
                        let mut sum_q = 0.0;
                        let mut sq = 0.0;
                        for r in 0..d {
                            sum_q += q[c * d + r];
                            let mut t = q[c * d + r].exp() * (x[i * d + r] - mu[c * d + r]);
                            for j in 0..r {
                                t += l[c * tri + r * (r - 1) / 2 + j] * (x[i * d + j] - mu[c * d + j]);
                            }
                            sq += t * t;
                        }
                        let beta = alpha[c] + sum_q - 0.5 * sq;
                        let next = top.max(beta);
                        scaled = scaled * (top - next).exp() + (beta - next).exp();
                        top = next;
                    }
                    data += top + scaled.ln();
                }
                data
            }
        },
    );
}

/// GradBench's GMM objective as the eval writes it: `exp(q)` and
/// `α_c + Σⱼ q_cj` computed once into local buffers before the loop over
/// the points, which reads them.
#[test]
fn gmm_hoisted() {
    check(
        "gmm_hoisted",
        quote! {
            pub fn gmm_log_posterior(
                alpha: &[f64],
                mu: &[f64],
                q: &[f64],
                l: &[f64],
                #[nograd] x: &[f64],
                d: usize,
            ) -> f64 {
                let k = alpha.len();
                let n = x.len() / d;
                let tri = d * (d - 1) / 2;
                let mut diag = vec![0.0; k * d];
                for e in 0..k * d {
                    diag[e] = q[e].exp();
                }
                let mut base = vec![0.0; k];
                for c in 0..k {
                    let mut sum_q = 0.0;
                    for r in 0..d {
                        sum_q += q[c * d + r];
                    }
                    base[c] = alpha[c] + sum_q;
                }
                let mut data = 0.0;
                for i in 0..n {
                    let mut top = f64::NEG_INFINITY;
                    let mut scaled = 0.0;
                    for c in 0..k {
                        let mut sq = 0.0;
                        for r in 0..d {
                            let mut t = diag[c * d + r] * (x[i * d + r] - mu[c * d + r]);
                            for j in 0..r {
                                t += l[c * tri + r * (r - 1) / 2 + j] * (x[i * d + j] - mu[c * d + j]);
                            }
                            sq += t * t;
                        }
                        let beta = base[c] - 0.5 * sq;
                        let next = top.max(beta);
                        scaled = scaled * (top - next).exp() + (beta - next).exp();
                        top = next;
                    }
                    data += top + scaled.ln();
                }
                data
            }
        },
    );
}

/// Own-element loops over part of a state buffer (an inclusive range
/// walked backwards, a loop left by `break`). A value-only log needs every
/// write at the top of such a loop; `break` puts the write in a branch, so
/// this buffer keeps the `(index, value)` log.
#[test]
fn value_log_partial_sweeps() {
    check(
        "value_log_partial_sweeps",
        quote! {
            fn partial_sweeps(x0: &[f64], w: f64, steps: usize, stop: usize) -> f64 {
                let n = x0.len();
                let mut x = vec![0.0; n];
                for i in 0..n {
                    x[i] = x0[i];
                }
                for _ in 0..steps {
                    for i in (1..=n / 2).rev() {
                        x[i] = if x[i] > 0.0 { w * x[i] } else { x[i] - w * w };
                    }
                    for i in 0..n {
                        if i == stop {
                            break;
                        }
                        x[i] = w * x[i] + 0.1 * x[i] * x[i];
                    }
                }
                let mut s = 0.0;
                for i in 0..n {
                    s += x[i] * x[i];
                }
                s
            }
        },
    );
}

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
