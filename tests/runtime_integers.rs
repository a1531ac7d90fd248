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
