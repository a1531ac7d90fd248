//! Run-time loops and slices: `for` over run-time ranges and slices,
//! iterator adaptors, run-time indexing, `usize` parameters, differentiable
//! slices (`f_grad` and the allocation-free `f_grad_into`) and loop-carried
//! state recorded on a tape.
//!
//! Every function is written once in `corpus!` and instantiated in f64 and
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

macro_rules! corpus {
    ($F:ident) => {
        use macrograd::differentiable;

        /// Least squares over a data set: an accumulator loop (no tape).
        #[differentiable]
        pub fn least_squares(w: $F, b: $F, #[nograd] xs: &[$F], #[nograd] ys: &[$F]) -> $F {
            let mut s = 0.0;
            for i in 0..xs.len() {
                let r = w * xs[i] + b - ys[i];
                s += r * r;
            }
            s
        }

        /// A differentiable slice through `zip`, then a second loop over it.
        #[differentiable]
        pub fn dot_ridge(w: &[$F], #[nograd] xs: &Vec<$F>) -> $F {
            let mut s = 0.0;
            for (&wi, &x) in w.iter().zip(xs) {
                s += wi * x;
            }
            for wi in w {
                s += wi * wi;
            }
            s
        }

        /// Explicit Euler for `x' = -k·x`: loop-carried state, recorded.
        #[differentiable]
        pub fn euler_linear(x0: $F, k: $F, #[nograd] h: $F, steps: usize) -> $F {
            let mut x = x0;
            for _ in 0..steps {
                x = x + h * (-k * x);
            }
            x
        }

        /// Explicit Euler for `x' = -k·x² + sin t`: state and time carried.
        #[differentiable]
        pub fn euler_nonlinear(x0: $F, k: $F, #[nograd] h: $F, steps: usize) -> $F {
            let mut x = x0;
            let mut t: $F = 0.0;
            for _ in 0..steps {
                x = x + h * (-k * x * x + t.sin());
                t += h;
            }
            x
        }

        /// Logistic regression over rows `[x0, x1]` with labels ±1.
        #[differentiable]
        pub fn logistic(
            w0: $F,
            w1: $F,
            b: $F,
            #[nograd] xs: &[[$F; 2]],
            #[nograd] ys: &[$F],
        ) -> $F {
            let mut loss = 0.0;
            for (i, x) in xs.iter().enumerate() {
                let z = w0 * x[0] + w1 * x[1] + b;
                loss += (1.0 + (-ys[i] * z).exp()).ln();
            }
            loss / (xs.len() as $F)
        }

        /// A triangular double loop: `Σ_{i<j} w_i·w_j`.
        #[differentiable]
        pub fn pairs(w: &[$F]) -> $F {
            let n = w.len();
            let mut s = 0.0;
            for i in 0..n {
                for j in i + 1..n {
                    s += w[i] * w[j];
                }
            }
            s
        }

        /// Horner's scheme, highest coefficient first: `..=` and `.rev()`.
        #[differentiable]
        pub fn horner(x: $F, #[nograd] c: &[$F], degree: usize) -> $F {
            let mut p = 0.0;
            for i in (0..=degree).rev() {
                p = p * x + c[i];
            }
            p
        }

        /// Newton's method for `√a`, until the residual is small: a `while`
        /// loop with a data-dependent exit.
        #[differentiable]
        pub fn newton_sqrt(a: $F, #[nograd] tol: $F) -> $F {
            let mut x = a;
            while (x * x - a).abs() > tol {
                x = 0.5 * (x + a / x);
            }
            x
        }

        /// A fixed point `x = c·cos x`, iterated while it moves.
        #[differentiable]
        pub fn fixed_point(c: $F, #[nograd] tol: $F) -> $F {
            let mut x: $F = 0.0;
            let mut step: $F = 1.0;
            while step.abs() > tol {
                let next = c * x.cos();
                step = next - x;
                x = next;
            }
            x
        }

        /// A quadrature over `[0, t_end)`: the `while` loop's values are sums.
        #[differentiable]
        pub fn integral(w: $F, #[nograd] h: $F, #[nograd] t_end: $F) -> $F {
            let mut s = 0.0;
            let mut t: $F = 0.0;
            while t < t_end {
                s += h * (w * t).sin();
                t += h;
            }
            s
        }

        /// A differentiable slice read inside the branches of an `if`.
        #[differentiable]
        pub fn clipped(w: &[$F], #[nograd] lim: $F) -> $F {
            let mut s = 0.0;
            for i in 0..w.len() {
                if w[i] > lim {
                    s += lim * w[i];
                } else {
                    s += w[i] * w[i];
                }
            }
            s
        }

        /// `logits[label]`: a fixed array at a run-time index.
        #[differentiable]
        pub fn cross_entropy(logits: [$F; 3], label: usize) -> $F {
            let m = logits[0].max(logits[1]).max(logits[2]);
            let z = (logits[0] - m).exp() + (logits[1] - m).exp() + (logits[2] - m).exp();
            z.ln() + m - logits[label]
        }

        /// The negative log-likelihood of a 1-D Gaussian mixture over `n`
        /// points: log-sum-exp over 3 components (unrolled) per point (a
        /// run-time loop).
        #[differentiable]
        pub fn gmm(
            means: [$F; 3],
            log_sigmas: [$F; 3],
            logits: [$F; 3],
            #[nograd] xs: &[$F],
        ) -> $F {
            let m = logits[0].max(logits[1]).max(logits[2]);
            let log_z =
                m + ((logits[0] - m).exp() + (logits[1] - m).exp() + (logits[2] - m).exp()).ln();
            let mut nll = 0.0;
            for &x in xs {
                let mut terms = [0.0; 3];
                for k in 0..3 {
                    let z = (x - means[k]) / log_sigmas[k].exp();
                    terms[k] = logits[k] - log_z - log_sigmas[k] - 0.5 * z * z;
                }
                let t = terms[0].max(terms[1]).max(terms[2]);
                let lse =
                    t + ((terms[0] - t).exp() + (terms[1] - t).exp() + (terms[2] - t).exp()).ln();
                nll -= lse;
            }
            nll
        }

        /// Classical Runge–Kutta for `y' = -k·y²` over a run-time step count.
        #[differentiable]
        pub fn rk4(y0: $F, k: $F, #[nograd] h: $F, steps: usize) -> $F {
            let mut y = y0;
            for _ in 0..steps {
                let k1 = -k * y * y;
                let k2 = -k * (y + 0.5 * h * k1) * (y + 0.5 * h * k1);
                let k3 = -k * (y + 0.5 * h * k2) * (y + 0.5 * h * k2);
                let k4 = -k * (y + h * k3) * (y + h * k3);
                y += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
            }
            y
        }

        /// A smoothness penalty over `windows(2)` of a differentiable slice.
        #[differentiable]
        pub fn roughness(x: &[$F]) -> $F {
            let mut s = 0.0;
            for w in x.windows(2) {
                s += (w[1] - w[0]).powi(2);
            }
            s
        }

        /// Rows of 2 in a flat slice through `chunks_exact(2)`.
        #[differentiable]
        pub fn chunked(w: [$F; 2], #[nograd] xs: &[$F]) -> $F {
            let mut s = 0.0;
            for c in xs.chunks_exact(2) {
                s += (w[0] * c[0] + w[1] * c[1]).tanh();
            }
            s
        }

        /// `if` inside a loop body, `i as F` and a run-time index expression.
        #[differentiable]
        pub fn branchy(w: $F, #[nograd] xs: &[$F]) -> $F {
            let mut s = 0.0;
            for i in 1..xs.len() {
                if xs[i] > xs[i - 1] {
                    s += w * xs[i] * (i as $F);
                } else {
                    s -= (w * xs[i - 1]).sin();
                }
            }
            s
        }
    };
}

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

mod reductions {
    use macrograd::{differentiable, grad};

    /// `map(..).sum()` and `fold` over a slice.
    #[differentiable]
    pub fn sum_fold(w: f64, #[nograd] xs: &[f64]) -> f64 {
        let a = xs.iter().map(|x| (w * x).sin()).sum::<f64>();
        let b = xs.iter().fold(1.0, |acc, &x| acc * (1.0 + w * x));
        a + b
    }

    #[test]
    fn sum_and_fold_match_closed_form_and_differences() {
        for xs in [vec![], vec![0.5], vec![0.5, -1.0, 2.0]] {
            let w: f64 = 0.75;
            let da: f64 = xs.iter().map(|x| x * (w * x).cos()).sum();
            // d/dw Π(1 + w·x_i) = Σ_i x_i·Π_{j≠i}(1 + w·x_j)
            let db: f64 = (0..xs.len())
                .map(|i| {
                    xs[i]
                        * (0..xs.len())
                            .filter(|&j| j != i)
                            .map(|j| 1.0 + w * xs[j])
                            .product::<f64>()
                })
                .sum();
            let (_, g) = sum_fold_grad(w, &xs);
            super::assert_all_close(&[g], &[da + db], super::TOL_64, "closed form");
            let fd = super::central_diff(|w| sum_fold(w, &xs), w);
            super::assert_all_close(&[g], &[fd], super::TOL_FD, "finite differences");
        }
    }

    #[test]
    fn closures_take_slices_too() {
        let f = grad!(|w: &[f64], #[nograd] xs: &[f64]| {
            let mut s = 0.0;
            for (&a, &x) in w.iter().zip(xs) {
                s += a * a * x;
            }
            s
        });
        let (v, d_w) = f(&[1.0, 2.0], &[3.0, 0.5]);
        assert_eq!(v, 5.0);
        assert_eq!(d_w, vec![6.0, 2.0]);
    }
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

mod constant_items {
    use macrograd::differentiable;

    const DIM: usize = 2;
    const WINDOW: usize = 3;

    /// `const` items as a row width and a loop bound: rows of `DIM` values
    /// in a flat slice, `xs[i * DIM + j]`, and the first `WINDOW` rows.
    #[differentiable]
    fn windowed(w: &[f64], #[nograd] xs: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..WINDOW {
            for j in 0..DIM {
                s += w[j] * xs[i * DIM + j];
            }
        }
        s
    }

    #[test]
    fn const_items_bound_loops_and_indices() {
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let (v, g) = windowed_grad(&[0.5, -1.0], &xs);
        assert_eq!(v, 0.5 * 9.0 - 12.0);
        assert_eq!(g, vec![1.0 + 3.0 + 5.0, 2.0 + 4.0 + 6.0]);
    }
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

mod composite {
    use macrograd::differentiable;

    #[differentiable]
    fn bump(x: f64, c: f64) -> f64 {
        (x - c).powi(2) * 0.5
    }

    /// An ODE integrated per data point (a state loop nested in a loop
    /// over data), a loop inside a run-time `if`, and a call in a loop.
    #[differentiable]
    fn composite(k: f64, c: f64, #[nograd] xs: &[f64], steps: usize) -> f64 {
        let mut loss = 0.0;
        for &x0 in xs {
            let mut x = x0;
            for _ in 0..steps {
                x = x - 0.125 * k * x * x;
            }
            loss += bump(x, c);
        }
        if k > 0.5 {
            let mut p = 1.0;
            for &x in xs {
                p *= 1.0 + 0.1 * k * x;
            }
            loss += p;
        }
        let mut y = c;
        while y.abs() > 0.125 {
            y = 0.5 * y * k;
        }
        loss + y
    }

    #[test]
    fn nested_state_loops_branches_and_calls() {
        let xs = [0.5, 1.5, -0.25];
        for (k, c) in [(0.75, 0.25), (0.25, -0.5), (1.5, 2.0)] {
            for steps in [0usize, 1, 4] {
                let (v, (dk, dc)) = composite_grad(k, c, &xs, steps);
                assert_eq!(v, composite(k, c, &xs, steps));
                let fd = super::numeric_grad(|p| composite(p[0], p[1], &xs, steps), &[k, c]);
                super::assert_all_close(
                    &[dk, dc],
                    &fd,
                    super::TOL_FD,
                    &format!("k = {k}, c = {c}, steps = {steps}"),
                );
            }
        }
    }
}

mod counters {
    use macrograd::differentiable;

    /// Newton's method with an iteration cap: an integer counter carried
    /// through a `while` loop.
    #[differentiable]
    fn capped_newton(a: f64, #[nograd] max_iter: usize) -> f64 {
        let mut x = a;
        let mut it = 0;
        while (x * x - a).abs() > 1e-13 && it < max_iter {
            x = 0.5 * (x + a / x);
            it += 1;
        }
        x
    }

    /// A count of positive values, used after the loop (and inside a branch).
    #[differentiable]
    fn mean_of_positives(w: f64, b: f64, #[nograd] xs: &[f64]) -> f64 {
        let mut s = 0.0;
        let mut n = 0;
        for &x in xs {
            if x > 0.0 {
                s += w * x + b;
                n += 1;
            }
        }
        s / (n as f64 + 1.0)
    }

    #[test]
    fn integer_counters_in_loops() {
        let (v, g) = capped_newton_grad(2.0, 100);
        assert!((v - 2f64.sqrt()).abs() < 1e-12 && (g - 0.5 / 2f64.sqrt()).abs() < 1e-9);
        // one step only: x = (a + 1)/2, derivative 1/2
        assert_eq!(capped_newton_grad(2.0, 1), (1.5, 0.5));
        assert_eq!(capped_newton_grad(2.0, 0), (2.0, 1.0));
        let xs = [0.5, -1.0, 2.0, 0.25];
        let (v, (dw, db)) = mean_of_positives_grad(0.75, 0.5, &xs);
        // three positives: s = w·2.75 + 3b over 4
        assert_eq!(v, (0.75 * 2.75 + 1.5) / 4.0);
        assert_eq!((dw, db), (2.75 / 4.0, 0.75));
    }
}
