//! Local run-time buffers in differentiable bodies: `let mut v = vec![x; n];`
//! read `v[i]` and written `v[i] = …` / `v[i] += …` at run-time indices
//! inside run-time loops, as differentiable state (an ODE state vector of
//! run-time length), and a fixed array written at a run-time index.
//!
//! Every function is written once in `corpus!` and instantiated in f64 and
//! f32; each gradient is checked against a closed form derived by hand and
//! against central finite differences of the f64 function, including empty
//! slices, one element and zero trips.

// the bodies index buffers in loops and write `v[i] = v[i] …` on purpose: those are the forms tested
#![allow(
    clippy::needless_range_loop,
    clippy::assign_op_pattern,
    clippy::manual_memcpy,
    clippy::manual_swap
)]

mod common;

use common::{assert_all_close, numeric_grad};

/// f64 gradient vs the closed form
const TOL_64: f64 = 1e-12;
/// f64 gradient vs finite differences
const TOL_FD: f64 = 1e-7;
/// f32 gradient vs the (f64) closed form
const TOL_32: f64 = 1e-4;

macro_rules! corpus {
    ($F:ident) => {
        use macrograd::differentiable;

        /// Explicit Euler for the system `x' = -k·x` with a state vector of
        /// run-time length, written the way one writes a coupled system: a
        /// derivative buffer, then the update. Returns `Σ x_i²`.
        #[differentiable]
        pub fn euler(x0: &[$F], k: $F, #[nograd] h: $F, steps: usize) -> $F {
            let n = x0.len();
            let mut x = vec![0.0; n];
            for i in 0..n {
                x[i] = x0[i];
            }
            let mut dx = vec![0.0; n];
            for _ in 0..steps {
                for i in 0..n {
                    dx[i] = -k * x[i];
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

        /// The midpoint rule (RK2) for the same system, with stage buffers
        /// made fresh in every step.
        #[differentiable]
        pub fn midpoint(x0: &[$F], k: $F, #[nograd] h: $F, steps: usize) -> $F {
            let n = x0.len();
            let mut x = vec![0.0; n];
            for i in 0..n {
                x[i] = x0[i];
            }
            for _ in 0..steps {
                let mut mid = vec![0.0; n];
                for i in 0..n {
                    mid[i] = x[i] + 0.5 * h * (-k * x[i]);
                }
                for i in 0..n {
                    x[i] = x[i] + h * (-k * mid[i]);
                }
            }
            let mut s = 0.0;
            for i in 0..n {
                s += x[i] * x[i];
            }
            s
        }

        /// An in-place recurrence `v[i + 1] = w·v[i] + xs[i]`: each
        /// iteration writes one element.
        #[differentiable]
        pub fn recurrence(w: $F, #[nograd] xs: &[$F]) -> $F {
            let n = xs.len();
            let mut v = vec![1.0; n + 1];
            for i in 0..n {
                v[i + 1] = v[i] * w + xs[i];
            }
            v[n]
        }

        /// One differentiable scalar (forward mode): `Σ_{i=1}^{n} x^i`.
        #[differentiable]
        pub fn powers(x: $F, n: usize) -> $F {
            let mut v = vec![x; n];
            for i in 1..n {
                v[i] = v[i - 1] * x;
            }
            let mut s = 0.0;
            for i in 0..v.len() {
                s += v[i];
            }
            s
        }

        /// A fixed array written at a run-time index.
        #[differentiable]
        pub fn scale_one(a: [$F; 3], w: $F, k: usize) -> $F {
            let mut b = a;
            b[k] = w * b[k];
            b[0] * b[1] + b[2]
        }

        /// The determinant of the `n × n` matrix `a` (row-major) by Gaussian
        /// elimination with partial pivoting: the pivot row is an integer
        /// `let` set to the loop index inside an `if` in a run-time loop.
        #[differentiable]
        pub fn det(a: &[$F], n: usize) -> $F {
            let mut m = vec![0.0; n * n];
            for i in 0..n * n {
                m[i] = a[i];
            }
            let mut det = 1.0;
            for k in 0..n {
                let mut p = k;
                for i in k + 1..n {
                    if m[i * n + k].abs() > m[p * n + k].abs() {
                        p = i;
                    }
                }
                if p != k {
                    for j in 0..n {
                        let t = m[k * n + j];
                        m[k * n + j] = m[p * n + j];
                        m[p * n + j] = t;
                    }
                    det = -det;
                }
                det *= m[k * n + k];
                for i in k + 1..n {
                    let f = m[i * n + k] / m[k * n + k];
                    for j in k..n {
                        m[i * n + j] -= f * m[k * n + j];
                    }
                }
            }
            det
        }

        /// `w·x_best²` at the first largest element of a slice.
        #[differentiable]
        pub fn at_max(w: $F, xs: &[$F]) -> $F {
            let mut best = 0;
            for i in 1..xs.len() {
                if xs[i] > xs[best] {
                    best = i;
                }
            }
            w * xs[best] * xs[best]
        }

        /// The same over a fixed array, whose loop is unrolled: the index
        /// is a compile-time integer until a run-time `if` sets it.
        #[differentiable]
        pub fn at_max_fixed(w: $F, xs: [$F; 4]) -> $F {
            let mut best = 0;
            for i in 1..4 {
                if xs[i] > xs[best] {
                    best = i;
                }
            }
            w * xs[best] * xs[best]
        }

        /// The larger of two values, picked by an integer set in an `if`
        /// outside any loop: `w·x_k²`.
        #[differentiable]
        pub fn larger_of_two(w: $F, xs: [$F; 2]) -> $F {
            let mut k = 0;
            if xs[1] > xs[0] {
                k = 1;
            }
            w * xs[k] * xs[k]
        }

        /// `w²·(longest run of positive values) + v·(final run)`: counters
        /// reset with a literal (`run = 0`) in one branch.
        #[differentiable]
        pub fn runs(w: $F, v: $F, #[nograd] xs: &[$F]) -> $F {
            let mut run = 0;
            let mut best = 0;
            for &x in xs {
                if x > 0.0 {
                    run += 1;
                } else {
                    run = 0;
                }
                if run > best {
                    best = run;
                }
            }
            w * w * (best as $F) + v * (run as $F)
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

const X0: [f64; 3] = [0.5, -1.25, 2.0];

/// `Σ x_i²` after `steps` steps that each multiply the state by `g(k)`,
/// and its gradient: `(value, ∂/∂x0, ∂/∂k)` with `dg = g'(k)`.
fn linear_closed_form(x0: &[f64], g: f64, dg: f64, steps: i32) -> (f64, Vec<f64>, f64) {
    let sq: f64 = x0.iter().map(|x| x * x).sum();
    let value = g.powi(2 * steps) * sq;
    let d_x0 = x0.iter().map(|x| 2.0 * x * g.powi(2 * steps)).collect();
    let d_k = if steps == 0 {
        0.0
    } else {
        sq * f64::from(2 * steps) * g.powi(2 * steps - 1) * dg
    };
    (value, d_x0, d_k)
}

#[test]
fn euler_state_vector_matches_closed_form_and_differences() {
    let (k, h) = (0.75, 0.1);
    for n in [0, 1, 3] {
        for steps in [0, 1, 6] {
            let x0 = &X0[..n];
            let (value, want_x0, want_k) = linear_closed_form(x0, 1.0 - h * k, -h, steps);
            let (v, (d_x0, d_k)) = c64::euler_grad(x0, k, h, steps as usize);
            let what = format!("n = {n}, steps = {steps}");
            assert_all_close(&[v, d_k], &[value, want_k], TOL_64, &what);
            assert_all_close(&d_x0, &want_x0, TOL_64, &what);
            let mut p = x0.to_vec();
            p.push(k);
            let fd = numeric_grad(|p| c64::euler(&p[..n], p[n], h, steps as usize), &p);
            assert_all_close(&[d_x0.clone(), vec![d_k]].concat(), &fd, TOL_FD, &what);
            let (v32, (d32, dk32)) = c32::euler_grad(&f32s(x0), k as f32, h as f32, steps as usize);
            assert_all_close(&to64(&[v32, dk32]), &[value, want_k], TOL_32, &what);
            assert_all_close(&to64(&d32), &want_x0, TOL_32, &what);
        }
    }
}

#[test]
fn midpoint_state_vector_matches_closed_form_and_differences() {
    let (k, h) = (0.75, 0.1);
    // one step multiplies by g = 1 − hk + (hk)²/2
    let g = 1.0 - h * k + 0.5 * (h * k) * (h * k);
    let dg = -h + h * h * k;
    for n in [0, 1, 3] {
        for steps in [0, 1, 5] {
            let x0 = &X0[..n];
            let (value, want_x0, want_k) = linear_closed_form(x0, g, dg, steps);
            let (v, (d_x0, d_k)) = c64::midpoint_grad(x0, k, h, steps as usize);
            let what = format!("n = {n}, steps = {steps}");
            assert_all_close(&[v, d_k], &[value, want_k], TOL_64, &what);
            assert_all_close(&d_x0, &want_x0, TOL_64, &what);
            let mut p = x0.to_vec();
            p.push(k);
            let fd = numeric_grad(|p| c64::midpoint(&p[..n], p[n], h, steps as usize), &p);
            assert_all_close(&[d_x0, vec![d_k]].concat(), &fd, TOL_FD, &what);
            let (_, (d32, dk32)) =
                c32::midpoint_grad(&f32s(x0), k as f32, h as f32, steps as usize);
            assert_all_close(&to64(&d32), &want_x0, TOL_32, &what);
            assert_all_close(&to64(&[dk32]), &[want_k], TOL_32, &what);
        }
    }
}

#[test]
fn grad_into_form_accumulates_into_the_callers_buffer() {
    let (k, h) = (0.75, 0.1);
    let (_, want, _) = linear_closed_form(&X0, 1.0 - h * k, -h, 4);
    let mut d_x0 = vec![1.0; 3];
    c64::euler_grad_into(&X0, k, h, 4, &mut d_x0);
    let plus_one: Vec<f64> = want.iter().map(|w| w + 1.0).collect();
    assert_all_close(&d_x0, &plus_one, TOL_64, "added into");
}

#[test]
fn in_place_recurrence() {
    let w: f64 = 0.9;
    for n in [0, 1, 4] {
        let xs = &[0.5, -1.0, 2.0, 0.25][..n];
        // v_n = w^n + Σ_i xs_i·w^(n−1−i)
        let value = w.powi(n as i32)
            + xs.iter()
                .enumerate()
                .map(|(i, x)| x * w.powi((n - 1 - i) as i32))
                .sum::<f64>();
        let d = n as f64 * w.powi(n as i32 - 1)
            + xs.iter()
                .enumerate()
                .filter(|(i, _)| n - 1 - i > 0)
                .map(|(i, x)| x * (n - 1 - i) as f64 * w.powi((n - 2 - i) as i32))
                .sum::<f64>();
        let (v, dw) = c64::recurrence_grad(w, xs);
        assert_all_close(&[v, dw], &[value, d], TOL_64, &format!("n = {n}"));
        let fd = numeric_grad(|p| c64::recurrence(p[0], xs), &[w]);
        assert_all_close(&[dw], &fd, TOL_FD, "finite differences");
        let (_, d32) = c32::recurrence_grad(w as f32, &f32s(xs));
        assert_all_close(&to64(&[d32]), &[d], TOL_32, "f32");
    }
}

#[test]
fn forward_mode_through_a_buffer() {
    let x: f64 = 0.8;
    for n in [0usize, 1, 5] {
        let value: f64 = (1..=n).map(|i| x.powi(i as i32)).sum();
        let d: f64 = (1..=n).map(|i| i as f64 * x.powi(i as i32 - 1)).sum();
        let (v, dx) = c64::powers_grad(x, n);
        assert_all_close(&[v, dx], &[value, d], TOL_64, &format!("n = {n}"));
        let fd = numeric_grad(|p| c64::powers(p[0], n), &[x]);
        assert_all_close(&[dx], &fd, TOL_FD, "finite differences");
        let (_, d32) = c32::powers_grad(x as f32, n);
        assert_all_close(&to64(&[d32]), &[d], TOL_32, "f32");
    }
}

#[test]
fn fixed_array_written_at_a_run_time_index() {
    let (a, w) = ([0.5, 2.0, -1.0], 3.0);
    for k in 0..3 {
        let mut b = a;
        b[k] *= w;
        let value = b[0] * b[1] + b[2];
        // ∂/∂a_j = ∂f/∂b_j · (w if j = k else 1); ∂/∂w = ∂f/∂b_k · a_k
        let df_db = [b[1], b[0], 1.0];
        let mut want: Vec<f64> = (0..3)
            .map(|j| df_db[j] * if j == k { w } else { 1.0 })
            .collect();
        want.push(df_db[k] * a[k]);
        let (v, (da, dw)) = c64::scale_one_grad(a, w, k);
        assert_all_close(&[v], &[value], TOL_64, "value");
        assert_all_close(
            &[da.to_vec(), vec![dw]].concat(),
            &want,
            TOL_64,
            &format!("k = {k}"),
        );
        let fd = numeric_grad(
            |p| c64::scale_one([p[0], p[1], p[2]], p[3], k),
            &[a[0], a[1], a[2], w],
        );
        assert_all_close(&want, &fd, TOL_FD, "finite differences");
        let (_, (da32, dw32)) = c32::scale_one_grad([0.5, 2.0, -1.0], 3.0, k);
        assert_all_close(
            &to64(&[da32[0], da32[1], da32[2], dw32]),
            &want,
            TOL_32,
            "f32",
        );
    }
}

#[test]
#[should_panic(expected = "index out of bounds")]
fn fixed_array_write_out_of_bounds_panics_like_rust() {
    let _ = c64::scale_one_grad([0.5, 2.0, -1.0], 3.0, 3);
}

#[test]
fn forward_and_reverse_agree_on_the_buffer_functions() {
    // `powers` is differentiated in forward mode; the same body with a
    // second (unused) differentiable parameter goes through reverse mode
    #[macrograd::differentiable]
    fn powers_rev(x: f64, unused: f64, n: usize) -> f64 {
        let mut v = vec![x; n];
        for i in 1..n {
            v[i] = v[i - 1] * x;
        }
        let mut s = 0.0 * unused;
        for i in 0..v.len() {
            s += v[i];
        }
        s
    }
    for n in [0, 1, 6] {
        let (_, fwd) = c64::powers_grad(0.7, n);
        let (_, (rev, _)) = powers_rev_grad(0.7, 2.0, n);
        assert_all_close(&[fwd], &[rev], TOL_64, &format!("n = {n}"));
    }
}

/// The determinant by Laplace expansion along the first row (an
/// independent reference for `det`).
fn laplace(m: &[f64], n: usize) -> f64 {
    if n == 0 {
        return 1.0;
    }
    (0..n)
        .map(|j| {
            let sign = if j % 2 == 0 { 1.0 } else { -1.0 };
            sign * m[j] * laplace(&minor(m, n, 0, j), n - 1)
        })
        .sum()
}

/// `m` without row `r` and column `c`.
fn minor(m: &[f64], n: usize, r: usize, c: usize) -> Vec<f64> {
    (0..n * n)
        .filter(|k| k / n != r && k % n != c)
        .map(|k| m[k])
        .collect()
}

#[test]
fn determinant_with_pivoting_matches_its_cofactors() {
    let cases: [(usize, Vec<f64>); 5] = [
        (0, vec![]),
        (1, vec![2.5]),
        // a zero first pivot: the rows swap
        (2, vec![0.0, 2.0, 3.0, 1.0]),
        (3, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.5, 7.0, 8.5, 10.0]),
        (
            4,
            vec![
                0.5, -1.0, 2.0, 0.25, 3.0, 0.75, -0.5, 1.5, -2.0, 1.25, 0.5, -1.0, 1.0, 2.5, -1.5,
                0.75,
            ],
        ),
    ];
    for (n, a) in cases {
        let value = laplace(&a, n);
        // ∂det/∂a_ij is the cofactor (−1)^(i+j)·det(minor ij)
        let cof: Vec<f64> = (0..n * n)
            .map(|k| {
                let sign = if (k / n + k % n) % 2 == 0 { 1.0 } else { -1.0 };
                sign * laplace(&minor(&a, n, k / n, k % n), n - 1)
            })
            .collect();
        let what = format!("n = {n}");
        let (v, g) = c64::det_grad(&a, n);
        assert_all_close(&[v], &[value], TOL_64, &what);
        assert_all_close(&g, &cof, TOL_64, &what);
        let fd = numeric_grad(|q| c64::det(q, n), &a);
        assert_all_close(&g, &fd, TOL_FD, &what);
        let (v32, g32) = c32::det_grad(&f32s(&a), n);
        assert_all_close(&to64(&[v32]), &[value], TOL_32, &what);
        assert_all_close(&to64(&g32), &cof, TOL_32, &what);
    }
}

#[test]
fn an_index_set_in_a_branch_picks_the_largest_element() {
    let w = 1.5;
    for xs in [
        vec![3.0],
        vec![1.0, 4.0, -2.0, 4.5],
        vec![5.0, 1.0, 2.0, -6.0],
    ] {
        let k = (0..xs.len()).fold(0, |b, i| if xs[i] > xs[b] { i } else { b });
        let x = xs[k];
        // w·x_k²: ∂w = x_k², ∂x_k = 2·w·x_k, 0 elsewhere
        let mut d_xs = vec![0.0; xs.len()];
        d_xs[k] = 2.0 * w * x;
        let what = format!("{xs:?}");
        let (v, (gw, gx)) = c64::at_max_grad(w, &xs);
        assert_all_close(&[v, gw], &[w * x * x, x * x], TOL_64, &what);
        assert_all_close(&gx, &d_xs, TOL_64, &what);
        let mut p = vec![w];
        p.extend(&xs);
        let fd = numeric_grad(|q| c64::at_max(q[0], &q[1..]), &p);
        assert_all_close(&[vec![gw], gx].concat(), &fd, TOL_FD, &what);
        let (_, (gw32, gx32)) = c32::at_max_grad(w as f32, &f32s(&xs));
        assert_all_close(&to64(&[gw32]), &[x * x], TOL_32, &what);
        assert_all_close(&to64(&gx32), &d_xs, TOL_32, &what);
        if let Ok(fixed) = <[f64; 4]>::try_from(xs.as_slice()) {
            let (v, (gw, gx)) = c64::at_max_fixed_grad(w, fixed);
            assert_all_close(&[v, gw], &[w * x * x, x * x], TOL_64, &what);
            assert_all_close(&gx, &d_xs, TOL_64, &what);
            let fd = numeric_grad(|q| c64::at_max_fixed(q[0], [q[1], q[2], q[3], q[4]]), &p);
            assert_all_close(&[vec![gw], gx.to_vec()].concat(), &fd, TOL_FD, &what);
        }
    }
    for xs in [[1.0, -3.0], [-1.0, 2.0]] {
        let k = usize::from(xs[1] > xs[0]);
        let mut d_xs = [0.0; 2];
        d_xs[k] = 2.0 * w * xs[k];
        let (v, (gw, gx)) = c64::larger_of_two_grad(w, xs);
        let what = format!("{xs:?}");
        assert_all_close(&[v, gw], &[w * xs[k] * xs[k], xs[k] * xs[k]], TOL_64, &what);
        assert_all_close(&gx, &d_xs, TOL_64, &what);
        let (_, (gw32, _)) = c32::larger_of_two_grad(w as f32, [xs[0] as f32, xs[1] as f32]);
        assert_all_close(&to64(&[gw32]), &[xs[k] * xs[k]], TOL_32, &what);
    }
}

#[test]
fn counters_reset_with_a_literal_in_one_branch() {
    let (w, v) = (0.75, -1.25);
    for xs in [
        vec![],
        vec![-1.0],
        vec![1.0, 2.0, -1.0, 3.0],
        vec![1.0, -2.0, 3.0, 4.0, 5.0, 0.0, 1.0, 2.0],
    ] {
        // the longest and the final run of positive values, counted here
        let (mut run, mut best) = (0usize, 0usize);
        for &x in &xs {
            run = if x > 0.0 { run + 1 } else { 0 };
            best = best.max(run);
        }
        let (b, r) = (best as f64, run as f64);
        let what = format!("{xs:?}");
        let (value, (gw, gv)) = c64::runs_grad(w, v, &xs);
        assert_all_close(
            &[value, gw, gv],
            &[w * w * b + v * r, 2.0 * w * b, r],
            TOL_64,
            &what,
        );
        let fd = numeric_grad(|q| c64::runs(q[0], q[1], &xs), &[w, v]);
        assert_all_close(&[gw, gv], &fd, TOL_FD, &what);
        let (_, (gw32, gv32)) = c32::runs_grad(w as f32, v as f32, &f32s(&xs));
        assert_all_close(&to64(&[gw32, gv32]), &[2.0 * w * b, r], TOL_32, &what);
    }
}
