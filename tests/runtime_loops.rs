//! Run-time loops and slices: `for` over run-time ranges and slices,
//! iterator adaptors, run-time indexing, `usize` parameters, differentiable
//! slices (`f_grad` and the allocation-free `f_grad_into`) and loop-carried
//! state recorded on a tape.
//!
//! Every function is written once in `corpus!` (`runtime_loops/corpus.rs`;
//! the self-contained topics in modules beside it) and instantiated in f64 and
//! f32. Each test checks the gradient against a closed form derived by hand
//! (in the test, in f64) and against central finite differences of the f64
//! function; and the edge cases: empty slices, one-element slices,
//! zero-trip loops.

mod common;

use common::{assert_all_close, central_diff, numeric_grad};

/// f64 gradient vs the closed form
const TOL_64: f64 = 1e-12;
/// f64 gradient vs finite differences
const TOL_FD: f64 = 1e-7;
/// f32 gradient vs the (f64) closed form
const TOL_32: f64 = 1e-4;

#[macro_use]
#[path = "runtime_loops/corpus.rs"]
mod corpus;

mod c64 {
    corpus!(f64);
}

mod c32 {
    corpus!(f32);
}

fn f32s(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

fn to64(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

const XS: [f64; 5] = [0.5, -1.25, 2.0, 0.75, -0.5];
const YS: [f64; 5] = [1.0, -0.5, 2.5, 1.25, 0.0];

#[test]
fn least_squares_matches_closed_form_and_differences() {
    for n in [0, 1, 5] {
        let (xs, ys) = (&XS[..n], &YS[..n]);
        let (w, b) = (1.5, -0.25);
        let (dw, db) = xs.iter().zip(ys).fold((0.0, 0.0), |(dw, db), (x, y)| {
            let r = w * x + b - y;
            (dw + 2.0 * r * x, db + 2.0 * r)
        });
        let value: f64 = xs
            .iter()
            .zip(ys)
            .map(|(x, y)| (w * x + b - y).powi(2))
            .sum();
        let (v, (gw, gb)) = c64::least_squares_grad(w, b, xs, ys);
        assert_all_close(&[v, gw, gb], &[value, dw, db], TOL_64, &format!("n = {n}"));
        let fd = numeric_grad(|p| c64::least_squares(p[0], p[1], xs, ys), &[w, b]);
        assert_all_close(&[gw, gb], &fd, TOL_FD, "finite differences");
        let (v32, (gw32, gb32)) = c32::least_squares_grad(w as f32, b as f32, &f32s(xs), &f32s(ys));
        assert_all_close(&to64(&[v32, gw32, gb32]), &[value, dw, db], TOL_32, "f32");
    }
}

#[test]
fn a_differentiable_slice_gets_a_gradient_of_its_length() {
    let xs = vec![0.5, -1.0, 2.0];
    for w in [
        vec![],
        vec![0.25],
        vec![0.25, -1.5, 0.75],
        vec![1.0, 2.0, 3.0, 4.0],
    ] {
        let (v, d_w) = c64::dot_ridge_grad(&w, &xs);
        assert_eq!(d_w.len(), w.len());
        // ∂/∂w_i = x_i (where a partner exists, zip stops at the shorter) + 2·w_i
        let want: Vec<f64> = w
            .iter()
            .enumerate()
            .map(|(i, wi)| xs.get(i).copied().unwrap_or(0.0) + 2.0 * wi)
            .collect();
        assert_all_close(&d_w, &want, TOL_64, "closed form");
        assert_eq!(v, c64::dot_ridge(&w, &xs));
        if !w.is_empty() {
            let fd = numeric_grad(|p| c64::dot_ridge(p, &xs), &w);
            assert_all_close(&d_w, &fd, TOL_FD, "finite differences");
        }
        let (_, d32) = c32::dot_ridge_grad(&f32s(&w), &f32s(&xs));
        assert_all_close(&to64(&d32), &want, TOL_32, "f32");
    }
}

#[test]
fn grad_into_adds_into_caller_buffers_without_allocating() {
    let (w, xs) = (vec![0.25, -1.5], vec![2.0, 4.0]);
    let mut d_w = vec![1.0, 10.0];
    let v = c64::dot_ridge_grad_into(&w, &xs, &mut d_w);
    assert_eq!(v, c64::dot_ridge(&w, &xs));
    // 1 + (2 + 0.5) and 10 + (4 − 3)
    assert_eq!(d_w, vec![3.5, 11.0]);
    let mut d_w = vec![0.0, 0.0];
    for _ in 0..2 {
        c64::dot_ridge_grad_into(&w, &xs, &mut d_w);
    }
    assert_eq!(d_w, vec![5.0, 2.0], "repeated calls accumulate");
}

#[test]
#[should_panic(expected = "differ in length")]
fn grad_into_checks_buffer_lengths() {
    let mut d_w = vec![0.0; 3];
    c64::dot_ridge_grad_into(&[1.0, 2.0], &vec![1.0, 1.0], &mut d_w);
}

#[test]
fn euler_state_is_recorded_and_matches_closed_form() {
    // x_n = x0·(1 − h·k)^n
    let (x0, k, h) = (1.5, 0.75, 0.125);
    for n in [0usize, 1, 7, 100] {
        let a: f64 = 1.0 - h * k;
        let value = x0 * a.powi(n as i32);
        let dx0 = a.powi(n as i32);
        let dk = if n == 0 {
            0.0
        } else {
            x0 * n as f64 * a.powi(n as i32 - 1) * -h
        };
        let (v, (gx0, gk)) = c64::euler_linear_grad(x0, k, h, n);
        assert_all_close(
            &[v, gx0, gk],
            &[value, dx0, dk],
            TOL_64,
            &format!("n = {n}"),
        );
        let (v32, (g32, k32)) = c32::euler_linear_grad(x0 as f32, k as f32, h as f32, n);
        assert_all_close(&to64(&[v32, g32, k32]), &[value, dx0, dk], TOL_32, "f32");
    }
}

#[test]
fn nonlinear_euler_matches_finite_differences() {
    let (x0, k, h) = (0.75, 0.5, 0.0625);
    for n in [0usize, 1, 3, 50] {
        let (v, (gx0, gk)) = c64::euler_nonlinear_grad(x0, k, h, n);
        assert_eq!(v, c64::euler_nonlinear(x0, k, h, n));
        let fd = numeric_grad(|p| c64::euler_nonlinear(p[0], p[1], h, n), &[x0, k]);
        assert_all_close(&[gx0, gk], &fd, TOL_FD, &format!("n = {n}"));
        let (_, (g32, k32)) = c32::euler_nonlinear_grad(x0 as f32, k as f32, h as f32, n);
        assert_all_close(&to64(&[g32, k32]), &fd, 1e-3, "f32");
    }
}

#[test]
fn logistic_regression_over_rows() {
    let xs = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0], [0.0, 0.5]];
    let ys = [1.0, -1.0, 1.0, -1.0];
    let (w0, w1, b) = (0.25, -0.5, 0.125);
    for n in [1, 4] {
        let (xs, ys) = (&xs[..n], &ys[..n]);
        // ∂/∂w_j = mean(−y·x_j·σ(−y·z)), ∂/∂b = mean(−y·σ(−y·z))
        let mut want = [0.0; 3];
        for (x, y) in xs.iter().zip(ys) {
            let z: f64 = w0 * x[0] + w1 * x[1] + b;
            let s = 1.0 / (1.0 + (y * z).exp());
            want[0] += -y * x[0] * s / n as f64;
            want[1] += -y * x[1] * s / n as f64;
            want[2] += -y * s / n as f64;
        }
        let (_, (g0, g1, gb)) = c64::logistic_grad(w0, w1, b, xs, ys);
        assert_all_close(&[g0, g1, gb], &want, TOL_64, "closed form");
        let fd = numeric_grad(|p| c64::logistic(p[0], p[1], p[2], xs, ys), &[w0, w1, b]);
        assert_all_close(&[g0, g1, gb], &fd, TOL_FD, "finite differences");
        let xs32: Vec<[f32; 2]> = xs.iter().map(|r| [r[0] as f32, r[1] as f32]).collect();
        let (_, (a, c, d)) = c32::logistic_grad(w0 as f32, w1 as f32, b as f32, &xs32, &f32s(ys));
        assert_all_close(&to64(&[a, c, d]), &want, TOL_32, "f32");
    }
}

#[test]
fn triangular_nested_loops() {
    for w in [vec![], vec![2.0], vec![0.5, -1.0, 2.0, 0.25]] {
        let total: f64 = w.iter().sum();
        // ∂/∂w_k Σ_{i<j} w_i·w_j = Σ_{j≠k} w_j
        let want: Vec<f64> = w.iter().map(|wk| total - wk).collect();
        let (_, g) = c64::pairs_grad(&w);
        assert_all_close(&g, &want, TOL_64, "closed form");
        if !w.is_empty() {
            assert_all_close(
                &g,
                &numeric_grad(c64::pairs, &w),
                TOL_FD,
                "finite differences",
            );
        }
        let (_, g32) = c32::pairs_grad(&f32s(&w));
        assert_all_close(&to64(&g32), &want, TOL_32, "f32");
    }
}

#[test]
fn horner_with_inclusive_reversed_range() {
    let c = [0.5, -1.0, 0.25, 2.0];
    let x: f64 = 0.75;
    for degree in 0..c.len() {
        let p = |x: f64| (0..=degree).map(|i| c[i] * x.powi(i as i32)).sum::<f64>();
        let dp: f64 = (1..=degree)
            .map(|i| i as f64 * c[i] * x.powi(i as i32 - 1))
            .sum();
        let (v, g) = c64::horner_grad(x, &c, degree);
        assert_all_close(&[v, g], &[p(x), dp], TOL_64, &format!("degree {degree}"));
        assert_all_close(&[g], &[central_diff(p, x)], TOL_FD, "finite differences");
        let (_, g32) = c32::horner_grad(x as f32, &f32s(&c), degree);
        assert_all_close(&[f64::from(g32)], &[dp], TOL_32, "f32");
    }
}

#[test]
fn branches_inside_a_loop() {
    let w = 0.75;
    for n in [0, 1, 2, 5] {
        let xs = &XS[..n];
        let mut want = 0.0;
        for i in 1..n {
            if xs[i] > xs[i - 1] {
                want += xs[i] * i as f64;
            } else {
                want -= xs[i - 1] * (w * xs[i - 1]).cos();
            }
        }
        let (v, g) = c64::branchy_grad(w, xs);
        assert_eq!(v, c64::branchy(w, xs));
        assert_all_close(&[g], &[want], TOL_64, &format!("n = {n}"));
        assert_all_close(
            &[g],
            &[central_diff(|w| c64::branchy(w, xs), w)],
            TOL_FD,
            "fd",
        );
        let (_, g32) = c32::branchy_grad(w as f32, &f32s(xs));
        assert_all_close(&[f64::from(g32)], &[want], TOL_32, "f32");
    }
}

#[test]
#[should_panic(expected = "index out of bounds")]
fn out_of_bounds_indexing_panics_like_rust() {
    // `c[i]` with i up to `degree` = 4 on a slice of 2: plain Rust panics too
    let _ = c64::horner_grad(1.0, &[1.0, 2.0], 4);
}

#[test]
fn newton_while_loop_matches_the_derivative_of_the_root() {
    // a = 1 is its own root: the loop stops before its first iteration and
    // the program's value is `a`, derivative 1
    assert_eq!(c64::newton_sqrt_grad(1.0, 1e-13), (1.0, 1.0));
    assert_eq!(c32::newton_sqrt_grad(1.0, 1e-5), (1.0, 1.0));
    for a in [2.0, 0.25, 9.0] {
        let (v, g) = c64::newton_sqrt_grad(a, 1e-13);
        assert_close!(v, f64::sqrt(a), 1e-12);
        // the iterates converge with their derivative: d√a/da = 1/(2√a)
        assert_close!(g, 0.5 / f64::sqrt(a), 1e-8, "a = {a}");
        let (v32, g32) = c32::newton_sqrt_grad(a as f32, 1e-5);
        assert_close!(v32, f64::sqrt(a), 1e-6);
        assert_close!(g32, 0.5 / f64::sqrt(a), 1e-3, "f32, a = {a}");
    }
}

#[test]
fn fixed_point_iteration_matches_implicit_derivative() {
    for c in [0.5, 0.9] {
        let (x, g) = c64::fixed_point_grad(c, 1e-14);
        assert_close!(x, c * x.cos(), 1e-13);
        // x = c·cos x ⇒ dx/dc = cos x / (1 + c·sin x)
        assert_close!(g, x.cos() / (1.0 + c * x.sin()), 1e-9, "c = {c}");
        let fd = central_diff(|c| c64::fixed_point(c, 1e-14), c);
        assert_close!(g, fd, 1e-7, "finite differences");
    }
}

#[test]
fn while_loops_that_only_sum_and_that_never_run() {
    let (h, t_end, w) = (0.125, 1.0, 0.75);
    // s = Σ_k h·sin(w·t_k), t_k = k·h: ds/dw = Σ h·t_k·cos(w·t_k)
    let want: f64 = (0..8)
        .map(|k| h * (k as f64 * h) * (w * k as f64 * h).cos())
        .sum();
    let (_, g) = c64::integral_grad(w, h, t_end);
    assert_close!(g, want, 1e-13);
    assert_close!(g, central_diff(|w| c64::integral(w, h, t_end), w), 1e-8);
    let (_, g32) = c32::integral_grad(w as f32, h as f32, t_end as f32);
    assert_close!(g32, want, 1e-5);
    // zero trips: the value and the gradient of an empty sum
    assert_eq!(c64::integral_grad(w, h, 0.0), (0.0, 0.0));
}

#[test]
fn slice_reads_inside_branches() {
    let w = vec![0.5, 2.0, -1.0, 1.5];
    let lim = 1.25;
    let want: Vec<f64> = w
        .iter()
        .map(|&x| if x > lim { lim } else { 2.0 * x })
        .collect();
    let (_, g) = c64::clipped_grad(&w, lim);
    assert_all_close(&g, &want, TOL_64, "closed form");
    assert_all_close(
        &g,
        &numeric_grad(|p| c64::clipped(p, lim), &w),
        TOL_FD,
        "fd",
    );
    let (_, g32) = c32::clipped_grad(&f32s(&w), lim as f32);
    assert_all_close(&to64(&g32), &want, TOL_32, "f32");
}

#[test]
fn a_fixed_array_at_a_run_time_index() {
    let logits = [0.5, -1.0, 2.0];
    for label in 0..3 {
        // softmax − one-hot(label)
        let z: f64 = logits.iter().map(|l: &f64| l.exp()).sum();
        let want: Vec<f64> = (0..3)
            .map(|k| logits[k].exp() / z - if k == label { 1.0 } else { 0.0 })
            .collect();
        let (v, g) = c64::cross_entropy_grad(logits, label);
        assert_close!(v, z.ln() - logits[label], 1e-14);
        assert_all_close(&g, &want, TOL_64, "closed form");
        let fd = numeric_grad(|p| c64::cross_entropy([p[0], p[1], p[2]], label), &logits);
        assert_all_close(&g, &fd, TOL_FD, "fd");
        let l32 = [0.5f32, -1.0, 2.0];
        let (_, g32) = c32::cross_entropy_grad(l32, label);
        assert_all_close(&to64(&g32), &want, TOL_32, "f32");
    }
}

#[test]
#[should_panic(expected = "index out of bounds")]
fn a_run_time_index_past_a_fixed_array_panics_like_rust() {
    let _ = c64::cross_entropy_grad([0.0; 3], 3);
}

#[test]
fn gaussian_mixture_objective() {
    let (means, log_sigmas, logits) = ([-1.0, 0.25, 1.5], [0.0, -0.5, 0.25], [0.5, -0.25, 0.0]);
    let xs = [0.5, -1.25, 2.0, 0.75, -0.5, 1.0];
    for n in [0, 1, 6] {
        let xs = &xs[..n];
        let (v, (dm, ds, dl)) = c64::gmm_grad(means, log_sigmas, logits, xs);
        assert_eq!(v, c64::gmm(means, log_sigmas, logits, xs));
        let p: Vec<f64> = means
            .iter()
            .chain(&log_sigmas)
            .chain(&logits)
            .copied()
            .collect();
        let fd = numeric_grad(
            |p| {
                let a = |k: usize| [p[k], p[k + 1], p[k + 2]];
                c64::gmm(a(0), a(3), a(6), xs)
            },
            &p,
        );
        let got: Vec<f64> = dm.iter().chain(&ds).chain(&dl).copied().collect();
        assert_all_close(&got, &fd, TOL_FD, &format!("n = {n}"));
        // closed form for the means: ∂nll/∂μ_k = −Σ_i r_ik·(x_i − μ_k)/σ_k²
        let mut want = [0.0; 3];
        let lz = logits.iter().map(|l: &f64| l.exp()).sum::<f64>().ln();
        for &x in xs {
            let dens: Vec<f64> = (0..3)
                .map(|k| {
                    let s: f64 = log_sigmas[k];
                    let z = (x - means[k]) / s.exp();
                    (logits[k] - lz - s - 0.5 * z * z).exp()
                })
                .collect();
            let total: f64 = dens.iter().sum();
            for k in 0..3 {
                let s2 = (2.0 * log_sigmas[k]).exp();
                want[k] -= dens[k] / total * (x - means[k]) / s2;
            }
        }
        assert_all_close(&dm, &want, 1e-12, "closed form");
        let f = |a: [f64; 3]| a.map(|x| x as f32);
        let xs32 = f32s(xs);
        let (_, (dm32, _, _)) = c32::gmm_grad(f(means), f(log_sigmas), f(logits), &xs32);
        assert_all_close(&to64(&dm32), &want, TOL_32, "f32");
    }
}

#[test]
fn rk4_matches_finite_differences() {
    let (y0, k, h) = (0.75, 0.5, 0.0625);
    for steps in [0usize, 1, 40] {
        let (v, (gy, gk)) = c64::rk4_grad(y0, k, h, steps);
        assert_eq!(v, c64::rk4(y0, k, h, steps));
        let fd = numeric_grad(|p| c64::rk4(p[0], p[1], h, steps), &[y0, k]);
        assert_all_close(&[gy, gk], &fd, TOL_FD, &format!("steps = {steps}"));
        let (_, (g32, k32)) = c32::rk4_grad(y0 as f32, k as f32, h as f32, steps);
        assert_all_close(&to64(&[g32, k32]), &fd, 1e-4, "f32");
    }
    // the exact solution y = y0/(1 + k·y0·t) after 40 steps of 1/16: RK4 is
    // 4th order, so its derivative tracks the exact one closely
    let t = 40.0 * h;
    let exact_dy0 = 1.0 / (1.0 + k * y0 * t).powi(2);
    let (_, (gy, _)) = c64::rk4_grad(y0, k, h, 40);
    assert_close!(gy, exact_dy0, 1e-6);
}

#[test]
fn windows_and_chunks() {
    for x in [vec![], vec![1.5], vec![0.5, 2.0, -1.0, 1.25]] {
        // ∂/∂x_k Σ (x_{i+1} − x_i)² = 2(x_k − x_{k−1}) − 2(x_{k+1} − x_k)
        let n = x.len();
        let want: Vec<f64> = (0..n)
            .map(|k| {
                let left = if k > 0 { 2.0 * (x[k] - x[k - 1]) } else { 0.0 };
                let right = if k + 1 < n {
                    2.0 * (x[k + 1] - x[k])
                } else {
                    0.0
                };
                left - right
            })
            .collect();
        let (_, g) = c64::roughness_grad(&x);
        assert_all_close(&g, &want, TOL_64, &format!("windows, n = {n}"));
        let (_, g32) = c32::roughness_grad(&f32s(&x));
        assert_all_close(&to64(&g32), &want, TOL_32, "f32");
    }
    // 5 values: 2 chunks, the last value left out as by `chunks_exact`
    let xs: [f64; 5] = [0.5, -1.0, 2.0, 0.25, 9.0];
    let w: [f64; 2] = [0.75, -0.5];
    let mut want = [0.0; 2];
    for c in xs.chunks_exact(2) {
        let t: f64 = (w[0] * c[0] + w[1] * c[1]).tanh();
        want[0] += (1.0 - t * t) * c[0];
        want[1] += (1.0 - t * t) * c[1];
    }
    let (_, g) = c64::chunked_grad(w, &xs);
    assert_all_close(&g, &want, TOL_64, "chunks_exact");
    let fd = numeric_grad(|p| c64::chunked([p[0], p[1]], &xs), &w);
    assert_all_close(&g, &fd, TOL_FD, "finite differences");
}

#[path = "runtime_loops/buffer_fusion.rs"]
mod buffer_fusion;
#[path = "runtime_loops/buffer_rows.rs"]
mod buffer_rows;
#[path = "runtime_loops/checkpoint_buffers.rs"]
mod checkpoint_buffers;
#[path = "runtime_loops/composite.rs"]
mod composite;
#[path = "runtime_loops/constant_items.rs"]
mod constant_items;
#[path = "runtime_loops/counters.rs"]
mod counters;
#[path = "runtime_loops/record.rs"]
mod record;
#[path = "runtime_loops/reductions.rs"]
mod reductions;
#[path = "runtime_loops/rows.rs"]
mod rows;
#[path = "runtime_loops/stacked.rs"]
mod stacked;
#[path = "runtime_loops/stencils.rs"]
mod stencils;
