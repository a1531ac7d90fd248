//! Loop labels: `break 'outer` and `continue 'outer` from inner loops of
//! run-time `for`, `while` and `loop`, and of unrolled loops, in reverse and
//! forward mode.
//!
//! Every function is written once in `corpus!` and instantiated in f64 and
//! f32. Each gradient is checked against a closed form found by simulating
//! the exits in the test, and against central finite differences of the f64
//! function; test points stay away from the values where an exit moves.

#![allow(clippy::needless_range_loop)]

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

        /// `Σ w·a_i·b_j` over the pairs in row order until a term passes
        /// `cap`: `break 'outer` from the inner loop.
        #[differentiable]
        pub fn pairs_until(w: $F, a: &[$F], #[nograd] b: &[$F], #[nograd] cap: $F) -> $F {
            let mut s = 0.0;
            'outer: for i in 0..a.len() {
                for j in 0..b.len() {
                    let p = w * a[i] * b[j];
                    if p > cap {
                        break 'outer;
                    }
                    s += p;
                }
            }
            s
        }

        /// The same over fixed arrays: both loops are unrolled.
        #[differentiable]
        pub fn pairs_until_fixed(w: $F, a: [$F; 3], #[nograd] b: [$F; 2], #[nograd] cap: $F) -> $F {
            let mut s = 0.0;
            'outer: for i in 0..3 {
                for j in 0..2 {
                    let p = w * a[i] * b[j];
                    if p > cap {
                        break 'outer;
                    }
                    s += p;
                }
            }
            s
        }

        /// `w·Σ m_k²` over each row's entries before its first negative one,
        /// plus `w` for each row without one: `continue 'rows`.
        #[differentiable]
        pub fn row_prefixes(w: $F, m: &[$F], #[nograd] cols: usize) -> $F {
            let mut s = 0.0;
            'rows: for r in 0..m.len() / cols {
                for c in 0..cols {
                    let x = m[r * cols + c];
                    if x < 0.0 {
                        continue 'rows;
                    }
                    s += w * x * x;
                }
                s += w;
            }
            s
        }

        /// One differentiable scalar (forward mode): `x·(j + 1)` summed over
        /// `j ≤ i < n` until the sum passes 5: `break 'outer` out of a
        /// `loop` inside a labeled `while`.
        #[differentiable]
        pub fn triangle(x: $F, n: usize) -> $F {
            let mut s = 0.0;
            let mut i = 0;
            'outer: while i < n {
                let mut j = 0;
                loop {
                    if j > i {
                        break;
                    }
                    if s > 5.0 {
                        break 'outer;
                    }
                    s += x * (j as $F + 1.0);
                    j += 1;
                }
                i += 1;
            }
            s
        }

        /// The same body with a second differentiable scalar: reverse mode,
        /// and a labeled `loop` around the `while`.
        #[differentiable]
        pub fn triangle_rev(x: $F, zero: $F, n: usize) -> $F {
            let mut s = zero;
            let mut i = 0;
            'outer: loop {
                if i >= n {
                    break;
                }
                let mut j = 0;
                while j <= i {
                    if s > 5.0 {
                        break 'outer;
                    }
                    s += x * (j as $F + 1.0);
                    j += 1;
                }
                i += 1;
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

/// The pairs `(i, j)` that `pairs_until` adds, in order.
fn pairs_added(w: f64, a: &[f64], b: &[f64], cap: f64) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for i in 0..a.len() {
        for j in 0..b.len() {
            if w * a[i] * b[j] > cap {
                return out;
            }
            out.push((i, j));
        }
    }
    out
}

#[test]
fn break_outer_leaves_both_loops() {
    let (w, a, b) = (0.9, [1.0, 2.0, 3.0], [0.5, 1.5]);
    // caps: before the first term, inside the second row, inside the third, never
    for (cap, n) in [(0.1, 3), (2.0, 3), (3.0, 3), (1e9, 3), (1.0, 0), (1e9, 1)] {
        let a = &a[..n];
        let added = pairs_added(w, a, &b, cap);
        let value: f64 = added.iter().map(|&(i, j)| w * a[i] * b[j]).sum();
        let dw: f64 = added.iter().map(|&(i, j)| a[i] * b[j]).sum();
        let mut da = vec![0.0; n];
        for &(i, j) in &added {
            da[i] += w * b[j];
        }
        let what = format!("cap {cap}, n {n}");
        let (v, (gw, ga)) = c64::pairs_until_grad(w, a, &b, cap);
        assert_all_close(&[v, gw], &[value, dw], TOL_64, &what);
        assert_all_close(&ga, &da, TOL_64, &what);
        let mut p = vec![w];
        p.extend(a);
        let fd = numeric_grad(|q| c64::pairs_until(q[0], &q[1..], &b, cap), &p);
        assert_all_close(&[vec![gw], ga].concat(), &fd, TOL_FD, &what);
        let (_, (gw32, ga32)) = c32::pairs_until_grad(w as f32, &f32s(a), &f32s(&b), cap as f32);
        assert_all_close(&to64(&[gw32]), &[dw], TOL_32, &what);
        assert_all_close(&to64(&ga32), &da, TOL_32, &what);
        if n == 3 {
            let (v, (gw, ga)) = c64::pairs_until_fixed_grad(w, [a[0], a[1], a[2]], b, cap);
            assert_all_close(&[v, gw], &[value, dw], TOL_64, &what);
            assert_all_close(&ga, &da, TOL_64, &what);
        }
    }
}

#[test]
fn continue_outer_skips_the_rest_of_the_row() {
    let w = 1.25;
    for (m, cols) in [
        (vec![], 2),
        (vec![1.0, -2.0, 3.0, 4.0], 2),
        (vec![-1.0, 2.0, 0.5, 1.5, -0.5, 2.5, 3.0, 1.0, 2.0], 3),
        (vec![0.5], 1),
    ] {
        let (mut value, mut dw) = (0.0, 0.0);
        let mut dm = vec![0.0; m.len()];
        for row in 0..m.len() / cols {
            let entries = &m[row * cols..(row + 1) * cols];
            let k = entries.iter().position(|&x| x < 0.0).unwrap_or(cols);
            for c in 0..k {
                let x = entries[c];
                value += w * x * x;
                dw += x * x;
                dm[row * cols + c] = 2.0 * w * x;
            }
            if k == cols {
                value += w;
                dw += 1.0;
            }
        }
        let what = format!("{m:?} in rows of {cols}");
        let (v, (gw, gm)) = c64::row_prefixes_grad(w, &m, cols);
        assert_all_close(&[v, gw], &[value, dw], TOL_64, &what);
        assert_all_close(&gm, &dm, TOL_64, &what);
        let mut p = vec![w];
        p.extend(&m);
        let fd = numeric_grad(|q| c64::row_prefixes(q[0], &q[1..], cols), &p);
        assert_all_close(&[vec![gw], gm].concat(), &fd, TOL_FD, &what);
        let (_, (gw32, gm32)) = c32::row_prefixes_grad(w as f32, &f32s(&m), cols);
        assert_all_close(&to64(&[gw32]), &[dw], TOL_32, &what);
        assert_all_close(&to64(&gm32), &dm, TOL_32, &what);
    }
}

#[test]
fn labeled_while_and_loop_in_forward_and_reverse_mode() {
    for (x, n) in [(0.1, 5), (0.4, 5), (2.0, 4), (0.3, 0), (10.0, 3)] {
        // the terms j + 1 added before the sum passes 5: s = x·Σ(j + 1)
        let (mut s, mut d) = (0.0, 0.0);
        'outer: for i in 0..n {
            for j in 0..=i {
                if s > 5.0 {
                    break 'outer;
                }
                s += x * (j as f64 + 1.0);
                d += j as f64 + 1.0;
            }
        }
        let what = format!("x = {x}, n = {n}");
        let (v, g) = c64::triangle_grad(x, n);
        assert_all_close(&[v, g], &[s, d], TOL_64, &what);
        let fd = numeric_grad(|q| c64::triangle(q[0], n), &[x]);
        assert_all_close(&[g], &fd, TOL_FD, &what);
        let (_, g32) = c32::triangle_grad(x as f32, n);
        assert_all_close(&to64(&[g32]), &[d], TOL_32, &what);
        let (v, (g, gz)) = c64::triangle_rev_grad(x, 0.0, n);
        // s starts at `zero`, which moves every later test: ∂s/∂zero = 1
        assert_all_close(&[v, g, gz], &[s, d, 1.0], TOL_64, &what);
        let (_, (g32, _)) = c32::triangle_rev_grad(x as f32, 0.0, n);
        assert_all_close(&to64(&[g32]), &[d], TOL_32, &what);
    }
}
