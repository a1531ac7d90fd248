//! In-place stencils: a loop writing only its own element `v[i]` while it
//! reads elements no iteration has written yet (`v[i - c]` walking the
//! range backwards, `v[i + c]` walking it forwards) sees the buffer as it
//! was before the loop, so its reverse restores the buffer once and sweeps
//! back without recomputing the loop (GradBench's ode). A twin reading the
//! element an earlier iteration has just written (Gauss–Seidel order) must
//! keep the per-element undo. Every gradient is checked against central
//! differences.

// the functions index buffers as the macro requires (`v[i]`, not iterators)
#![allow(clippy::needless_range_loop, clippy::manual_memcpy)]

use macrograd::differentiable;

use super::{assert_all_close, numeric_grad, TOL_FD};

/// RK4 for `y' = f(y)`, `f(y)₀ = x₀`, `f(y)ᵢ = xᵢ·yᵢ₋₁`, as the ode eval
/// writes it: each component's stages from the old state of the four
/// before it, the state updated in place from the last component down.
#[differentiable]
pub fn rk4_stencil(x: &[f64], s: usize) -> f64 {
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

/// Nonlinear neighbours: backwards, each element from the old values of the
/// two before it; forwards, from the old value after it (`v[i + 1]` and
/// `v[1 + i]`); then a weighted sum.
#[differentiable]
pub fn neighbours(x: &[f64], a: f64, steps: usize) -> f64 {
    let n = x.len();
    let mut v = vec![0.0; n];
    for i in 0..n {
        v[i] = x[i];
    }
    for _ in 0..steps {
        for i in (2..n).rev() {
            v[i] += 0.3 * (a * v[i - 1] * v[i - 2]).sin();
        }
        for i in 0..n - 1 {
            v[i] = v[i] * (1.0 + 0.2 * v[i + 1] * v[1 + i]) - 0.1 * a;
        }
    }
    let mut s = 0.0;
    for i in 0..n {
        s += (i as f64 + 1.0) * v[i] * v[i];
    }
    s
}

/// The twin of [`neighbours`] walking each sweep the other way: every
/// iteration reads what the one before it has just written.
#[differentiable]
pub fn neighbours_in_order(x: &[f64], a: f64, steps: usize) -> f64 {
    let n = x.len();
    let mut v = vec![0.0; n];
    for i in 0..n {
        v[i] = x[i];
    }
    for _ in 0..steps {
        for i in 2..n {
            v[i] += 0.3 * (a * v[i - 1] * v[i - 2]).sin();
        }
        for i in (0..n - 1).rev() {
            v[i] = v[i] * (1.0 + 0.2 * v[i + 1] * v[1 + i]) - 0.1 * a;
        }
    }
    let mut s = 0.0;
    for i in 0..n {
        s += (i as f64 + 1.0) * v[i] * v[i];
    }
    s
}

/// The textbook RK4 over whole vectors, `k1 = f(y)`, …, `y += h(k1 + 2k2 +
/// 2k3 + k4)/6`, for the value of [`rk4_stencil`].
fn rk4_textbook(x: &[f64], s: usize) -> f64 {
    let n = x.len();
    let f = |y: &[f64]| -> Vec<f64> {
        (0..n)
            .map(|i| if i == 0 { x[0] } else { x[i] * y[i - 1] })
            .collect()
    };
    let axpy = |y: &[f64], a: f64, k: &[f64]| -> Vec<f64> {
        y.iter().zip(k).map(|(y, k)| y + a * k).collect()
    };
    let h = 2.0 / s as f64;
    let mut y = vec![0.0; n];
    for _ in 0..s {
        let k1 = f(&y);
        let k2 = f(&axpy(&y, 0.5 * h, &k1));
        let k3 = f(&axpy(&y, 0.5 * h, &k2));
        let k4 = f(&axpy(&y, h, &k3));
        for i in 0..n {
            y[i] += h * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]) / 6.0;
        }
    }
    y[n - 1]
}

#[test]
fn rk4_stencil_matches_textbook_rk4_and_differences() {
    // n = 4 with s = 1: the last component reaches every virtual one
    for (n, s) in [(1, 1), (2, 3), (4, 1), (7, 4)] {
        let x: Vec<f64> = (0..n).map(|i| 0.6 + 0.13 * i as f64).collect();
        let what = format!("n = {n}, s = {s}");
        let (v, g) = rk4_stencil_grad(&x, s);
        let e = rk4_textbook(&x, s);
        assert!(
            (v - e).abs() <= 1e-13 * (1.0 + e.abs()),
            "{what}: {v} vs {e}"
        );
        assert!(g.iter().all(|&gi| gi != 0.0), "{what}: {g:?}");
        let fd = numeric_grad(|p| rk4_textbook(p, s), &x);
        assert_all_close(&g, &fd, TOL_FD, &what);
    }
}

#[test]
fn stencils_read_old_neighbours_in_either_direction() {
    for (n, steps) in [(2, 1), (5, 3), (9, 2)] {
        let x: Vec<f64> = (0..n).map(|i| 0.4 - 0.11 * i as f64).collect();
        let a = 0.7;
        let what = format!("n = {n}, steps = {steps}");
        let (v, (gx, ga)) = neighbours_grad(&x, a, steps);
        assert_eq!(v, neighbours(&x, a, steps), "{what}");
        let fd = numeric_grad(|p| neighbours(p, a, steps), &x);
        assert_all_close(&gx, &fd, TOL_FD, &what);
        let fa = numeric_grad(|p| neighbours(&x, p[0], steps), &[a]);
        assert_all_close(&[ga], &fa, TOL_FD, &what);
        // the other order reads new values: a different function
        let (v, (gx, ga)) = neighbours_in_order_grad(&x, a, steps);
        assert_eq!(v, neighbours_in_order(&x, a, steps), "{what}");
        let fd = numeric_grad(|p| neighbours_in_order(p, a, steps), &x);
        assert_all_close(&gx, &fd, TOL_FD, &what);
        let fa = numeric_grad(|p| neighbours_in_order(&x, p[0], steps), &[a]);
        assert_all_close(&[ga], &fa, TOL_FD, &what);
    }
}
