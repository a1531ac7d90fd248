//! Snapshots of functions whose state lives in local buffers (`vec!`):
//! explicit Euler and RK4 sweeps, GMM's objective (plain and with its
//! exponentials hoisted into a buffer) and partial value logs.

use quote::quote;

use super::check;

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

/// GradBench's ode as a descending stencil: each component's stages are
/// computed from the old state of the three before it, read from the
/// buffer the sweep updates in place, so nothing is carried from one
/// iteration to the next and the reverse of a step only restores the state.
#[test]
fn rk4_descending_stencil() {
    check(
        "rk4_descending_stencil",
        quote! {
        pub fn ode_last(x: &[f64], s: usize) -> f64 {
            let n = x.len();
            let h = 2.0 / (s as f64);
            let mut w = vec![0.0; n + 4];
            let mut y = vec![1.0; n + 4];
            for i in 4..n + 4 {
                w[i] = x[i - 4];
                y[i] = 0.0;
            }
            for _ in 0..s {
                for i in (4..n + 4).rev() {
                    let (x0, x1, x2, x3) = (w[i], w[i - 1], w[i - 2], w[i - 3]);
                    let (y1, y2, y3, y4) = (y[i - 1], y[i - 2], y[i - 3], y[i - 4]);
                    let k1_3 = x3 * y4;
                    let k1_2 = x2 * y3;
                    let k2_2 = x2 * (y3 + 0.5 * h * k1_3);
                    let k1_1 = x1 * y2;
                    let k2_1 = x1 * (y2 + 0.5 * h * k1_2);
                    let k3_1 = x1 * (y2 + 0.5 * h * k2_2);
                    let k1 = x0 * y1;
                    let k2 = x0 * (y1 + 0.5 * h * k1_1);
                    let k3 = x0 * (y1 + 0.5 * h * k2_1);
                    let k4 = x0 * (y1 + h * k3_1);
                    y[i] += h * (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0;
                }
            }
            y[n + 3]
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

/// A local buffer passed whole to another differentiable function, inside
/// a run-time loop that rewrites it: the reverse sweep's `vjp_into` adds
/// into the adjoint buffer `d_v`.
#[test]
fn local_buffer_passed_on() {
    check(
        "local_buffer_passed_on",
        quote! {
            fn stepped(xs: &[f64], h: f64, steps: usize) -> f64 {
                let mut v = vec![0.0; xs.len()];
                for i in 0..xs.len() {
                    v[i] = xs[i];
                }
                let mut acc = 0.0;
                for _ in 0..steps {
                    let s = weighted_squares(&v, h);
                    acc += s;
                    for i in 0..v.len() {
                        v[i] -= h * s * v[i];
                    }
                }
                acc + sines(&v)
            }
        },
    );
}
