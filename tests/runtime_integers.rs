//! Integers in differentiable bodies that Rust code sets at run time: an
//! index set to the loop index inside an `if` (a pivot, an argmax), a
//! counter reset with a literal in one branch, an integer set in a
//! top-level `if`; and a determinant with partial pivoting that needs them.
//!
//! Every function is written once in `corpus!` and instantiated in f64 and
//! f32; each gradient is checked against a closed form (cofactors for the
//! determinant, by Laplace expansion) and central finite differences.

// the bodies index buffers in loops and swap rows by hand on purpose
#![allow(clippy::needless_range_loop, clippy::manual_swap)]

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

        /// `runs` with its counters annotated `usize`, as Rust code writes them.
        #[differentiable]
        pub fn runs_annotated(w: $F, v: $F, #[nograd] xs: &[$F]) -> $F {
            let mut run: usize = 0;
            let mut best: usize = 0;
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
            let last: usize = run;
            w * w * (best as $F) + v * (last as $F)
        }

        /// Integer expressions cast to a float in straight-line code:
        /// `(b - a) as F`, `.min`/`.max` of `usize` values (`b >= a`).
        #[differentiable]
        pub fn spread(x: $F, a: usize, b: usize) -> $F {
            let hi = (a + 4).min(b);
            (b - a) as $F * x * x + (a.max(b) - a.min(b)) as $F * x + hi as $F
        }

        /// GradBench gmm's pairs of points: `(b - a) as F` of run-time
        /// loop integers, the last point paired with itself for odd `n`.
        #[differentiable]
        pub fn pairs(xs: &[$F], n: usize) -> $F {
            let mut s = 0.0;
            for p in 0..n / 2 + n % 2 {
                let a = 2 * p;
                let b = a + 1 - (a + 1) / n;
                s += (b - a) as $F * xs[a] * xs[b] + (n - a) as $F * xs[a];
            }
            s
        }

        /// A band around the diagonal whose bounds are `.min`/`.max` of
        /// run-time integers, weighted by integer expressions.
        #[differentiable]
        pub fn band(xs: &[$F], n: usize) -> $F {
            let mut s = 0.0;
            for i in 0..n {
                let hi = (i + 3).min(n);
                let lo = i.saturating_sub(1);
                for j in lo..hi {
                    s += (hi - j) as $F * xs[i] * xs[j];
                }
                let c = i % 2 + (n / 2) * i.pow(2) + i.abs_diff(n / 2);
                s += c as $F * xs[i] + (i as $F) * 0.5 * xs[i] * xs[i];
            }
            s
        }

        /// The same integer forms on the indices of an unrolled loop
        /// (compile-time integers), folded to constants.
        #[differentiable]
        pub fn folded(xs: [$F; 4]) -> $F {
            let mut s = 0.0;
            // `usize` for rustc, which type-checks the body as written
            for i in 0..4usize {
                let c = 2usize.saturating_sub(i)
                    + (3 - i)
                    + (i + 1).min(2)
                    + i.max(2)
                    + i % 2
                    + (4 / 2) * i.pow(2)
                    + i.abs_diff(2);
                s += c as $F * xs[i] * xs[i];
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
        let (value_a, (gw_a, gv_a)) = c64::runs_annotated_grad(w, v, &xs);
        assert_all_close(
            &[value_a, gw_a, gv_a],
            &[w * w * b + v * r, 2.0 * w * b, r],
            TOL_64,
            &format!("{what}, usize annotations"),
        );
        let fd = numeric_grad(|q| c64::runs(q[0], q[1], &xs), &[w, v]);
        assert_all_close(&[gw, gv], &fd, TOL_FD, &what);
        let (_, (gw32, gv32)) = c32::runs_grad(w as f32, v as f32, &f32s(&xs));
        assert_all_close(&to64(&[gw32, gv32]), &[2.0 * w * b, r], TOL_32, &what);
    }
}

#[test]
fn integer_differences_and_min_max_cast_to_a_float() {
    for (x, a, b) in [(1.5, 2, 9), (-0.5, 3, 3), (2.0, 0, 2)] {
        let (d, hi) = ((b - a) as f64, (a + 4).min(b) as f64);
        // d·x² + d·x + hi: ∂x = 2·d·x + d
        let (value, g) = c64::spread_grad(x, a, b);
        let what = format!("x={x} a={a} b={b}");
        let expect = [d * x * x + d * x + hi, 2.0 * d * x + d];
        assert_all_close(&[value, g], &expect, TOL_64, &what);
        let fd = numeric_grad(|q| c64::spread(q[0], a, b), &[x]);
        assert_all_close(&[g], &fd, TOL_FD, &what);
        let (v32, g32) = c32::spread_grad(x as f32, a, b);
        assert_all_close(&to64(&[v32, g32]), &expect, TOL_32, &what);
    }
}

/// The value and gradient of `pairs`, by hand.
fn pairs_reference(xs: &[f64]) -> (f64, Vec<f64>) {
    let n = xs.len();
    let (mut s, mut g) = (0.0, vec![0.0; n]);
    for a in (0..n).step_by(2) {
        let b = if a + 1 < n { a + 1 } else { a };
        let (w, m) = ((b - a) as f64, (n - a) as f64);
        s += w * xs[a] * xs[b] + m * xs[a];
        g[a] += w * xs[b] + m;
        g[b] += w * xs[a];
    }
    (s, g)
}

/// The value and gradient of `band`: `Σ c_ij x_i x_j + Σ (k_i x_i + i/2 x_i²)`.
fn band_reference(xs: &[f64]) -> (f64, Vec<f64>) {
    let n = xs.len();
    let (mut s, mut g) = (0.0, vec![0.0; n]);
    for i in 0..n {
        let (lo, hi) = (
            if i == 0 { 0 } else { i - 1 },
            if i + 3 < n { i + 3 } else { n },
        );
        for j in lo..hi {
            let c = (hi - j) as f64;
            s += c * xs[i] * xs[j];
            g[i] += c * xs[j];
            g[j] += c * xs[i];
        }
        let dist = (i as f64 - (n / 2) as f64).abs();
        let k = (i % 2 + (n / 2) * i * i) as f64 + dist;
        let h = i as f64 * 0.5;
        s += k * xs[i] + h * xs[i] * xs[i];
        g[i] += k + 2.0 * h * xs[i];
    }
    (s, g)
}

#[test]
fn integer_expressions_of_run_time_loop_indices_cast_to_a_float() {
    for xs in [
        vec![],
        vec![0.5],
        vec![1.0, -2.0, 0.5],
        vec![0.25, 1.5, -1.0, 2.0, -0.75, 1.25, 0.5],
        vec![1.0, 2.0, -1.5, 0.5, 3.0, -2.0, 0.25, 1.0],
    ] {
        let n = xs.len();
        let what = format!("{xs:?}");
        type Reference = fn(&[f64]) -> (f64, Vec<f64>);
        type Grad64 = fn(&[f64], usize) -> (f64, Vec<f64>);
        type Value64 = fn(&[f64], usize) -> f64;
        type Grad32 = fn(&[f32], usize) -> (f32, Vec<f32>);
        let cases: [(Reference, Grad64, Value64, Grad32); 2] = [
            (
                pairs_reference,
                c64::pairs_grad,
                c64::pairs,
                c32::pairs_grad,
            ),
            (band_reference, c64::band_grad, c64::band, c32::band_grad),
        ];
        for (reference, grad, value, grad32) in cases {
            let (s, g) = reference(&xs);
            let (v, gx) = grad(&xs, n);
            assert_all_close(&[v], &[s], TOL_64, &what);
            assert_all_close(&gx, &g, TOL_64, &what);
            let fd = numeric_grad(|q| value(q, n), &xs);
            assert_all_close(&gx, &fd, TOL_FD, &what);
            let (v32, g32) = grad32(&f32s(&xs), n);
            assert_all_close(&to64(&[v32]), &[s], TOL_32, &what);
            assert_all_close(&to64(&g32), &g, TOL_32, &what);
        }
    }
}

#[test]
fn integer_expressions_of_unrolled_loop_indices_fold() {
    let xs = [0.5, -1.0, 2.0, 1.5];
    // c_i = max(2 - i, 0) + (3 - i) + min(i + 1, 2) + max(i, 2) + i % 2 + 2·i² + |i - 2|
    let c = [
        2.0 + 3.0 + 1.0 + 2.0 + 0.0 + 0.0 + 2.0,
        1.0 + 2.0 + 2.0 + 2.0 + 1.0 + 2.0 + 1.0,
        0.0 + 1.0 + 2.0 + 2.0 + 0.0 + 8.0 + 0.0,
        0.0 + 0.0 + 2.0 + 3.0 + 1.0 + 18.0 + 1.0,
    ];
    let value: f64 = (0..4).map(|i| c[i] * xs[i] * xs[i]).sum();
    let grad: Vec<f64> = (0..4).map(|i| 2.0 * c[i] * xs[i]).collect();
    let (v, g) = c64::folded_grad(xs);
    assert_all_close(&[v], &[value], TOL_64, "folded");
    assert_all_close(&g, &grad, TOL_64, "folded");
    let (v32, g32) = c32::folded_grad(xs.map(|x| x as f32));
    assert_all_close(&to64(&[v32]), &[value], TOL_32, "folded f32");
    assert_all_close(&to64(&g32), &grad, TOL_32, "folded f32");
}
