//! Helpers shared by the gradient test files: a mixed-tolerance
//! `assert_close!` and central finite differences.
//!
//! Finite differences use the fourth-order central stencil
//! `f'(x) ≈ (8·(f(x+h) − f(x−h)) − (f(x+2h) − f(x−2h))) / 12h`,
//! whose truncation error is O(h⁴), so a step of `1e-3·max(1, |x|)` in f64
//! gives about 1e-11 relative accuracy for smooth functions. For f32 code
//! the reference is the same function evaluated in f64 (the "f64 twin"),
//! and the f32 gradient is compared against it with f32 tolerances; where
//! only an f32 function exists, [`central_diff_f32`] uses a step suited to
//! f32 rounding.
#![allow(dead_code)]

/// Asserts `|actual − expected| ≤ tol·(1 + |expected|)`: an absolute
/// tolerance near zero, a relative one for large values. Both sides are
/// converted to `f64`; a NaN on either side fails.
///
/// `assert_close!(a, e, tol)` or `assert_close!(a, e, tol, "context {}", x)`.
#[macro_export]
macro_rules! assert_close {
    ($actual:expr, $expected:expr, $tol:expr $(,)?) => {
        $crate::assert_close!($actual, $expected, $tol, "")
    };
    ($actual:expr, $expected:expr, $tol:expr, $($ctx:tt)+) => {{
        let (a, e, tol): (f64, f64, f64) = (($actual) as f64, ($expected) as f64, ($tol) as f64);
        let err = (a - e).abs();
        let bound = tol * (1.0 + e.abs());
        assert!(
            err <= bound,
            "assert_close failed: {} = {a:e}, expected {} = {e:e} (|diff| = {err:e} > {bound:e} = {tol:e}·(1 + |expected|)) {}",
            stringify!($actual),
            stringify!($expected),
            format!($($ctx)+),
        );
    }};
}

/// The step for a central difference at `x`.
fn step(x: f64, h: f64) -> f64 {
    h * x.abs().max(1.0)
}

/// `f'(x)` by the fourth-order central difference, in f64.
pub fn central_diff(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = step(x, 1e-3);
    (8.0 * (f(x + h) - f(x - h)) - (f(x + 2.0 * h) - f(x - 2.0 * h))) / (12.0 * h)
}

/// `f'(x)` by the second-order central difference for a function computed
/// in f32; the step `≈ ∛ε_f32` balances truncation and rounding, so expect
/// about 1e-3 relative accuracy.
pub fn central_diff_f32(f: impl Fn(f32) -> f32, x: f32) -> f32 {
    let h = 5e-3 * x.abs().max(1.0);
    // Evaluate at exactly representable points so the step is the one used.
    let (xp, xm) = (x + h, x - h);
    (f(xp) - f(xm)) / (xp - xm)
}

/// The gradient of `f` at `x` (every coordinate) by central differences, in f64.
pub fn numeric_grad(f: impl Fn(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
    (0..x.len())
        .map(|i| {
            central_diff(
                |t| {
                    let mut y = x.to_vec();
                    y[i] = t;
                    f(&y)
                },
                x[i],
            )
        })
        .collect()
}

/// The gradient of an f32 function at `x` by central differences in f32.
pub fn numeric_grad_f32(f: impl Fn(&[f32]) -> f32, x: &[f32]) -> Vec<f32> {
    (0..x.len())
        .map(|i| {
            central_diff_f32(
                |t| {
                    let mut y = x.to_vec();
                    y[i] = t;
                    f(&y)
                },
                x[i],
            )
        })
        .collect()
}

/// Asserts two slices agree element-wise with [`assert_close!`].
pub fn assert_all_close(actual: &[f64], expected: &[f64], tol: f64, what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths differ");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert_close!(*a, *e, tol, "{what}[{i}]");
    }
}

/// A gradient of any shape (scalar, array, tuple of them) as a flat list of
/// `f64`, so one comparison serves every signature and both float types.
pub trait Flat {
    fn flat(&self) -> Vec<f64>;
}
impl Flat for f64 {
    fn flat(&self) -> Vec<f64> {
        vec![*self]
    }
}
impl Flat for f32 {
    fn flat(&self) -> Vec<f64> {
        vec![f64::from(*self)]
    }
}
impl<T: Flat, const N: usize> Flat for [T; N] {
    fn flat(&self) -> Vec<f64> {
        self.iter().flat_map(Flat::flat).collect()
    }
}
impl<A: Flat, B: Flat> Flat for (A, B) {
    fn flat(&self) -> Vec<f64> {
        [self.0.flat(), self.1.flat()].concat()
    }
}
impl<A: Flat, B: Flat, C: Flat> Flat for (A, B, C) {
    fn flat(&self) -> Vec<f64> {
        [self.0.flat(), self.1.flat(), self.2.flat()].concat()
    }
}

/// Checks a gradient, flattened, in f64 and f32: the f64 one against the
/// closed form `expected` (1e-12) and central differences of `f64_fn` at
/// `x` (1e-7); the f32 one against the closed form (1e-4) and central
/// differences of `f32_fn` (5e-2, f32 rounding).
pub fn check_both_floats(
    what: &str,
    x: &[f64],
    grad64: &[f64],
    grad32: &[f32],
    f64_fn: impl Fn(&[f64]) -> f64,
    f32_fn: impl Fn(&[f32]) -> f32,
    expected: &[f64],
) {
    assert_all_close(grad64, expected, 1e-12, what);
    assert_all_close(grad64, &numeric_grad(&f64_fn, x), 1e-7, what);
    let g32: Vec<f64> = grad32.iter().map(|&d| d as f64).collect();
    assert_all_close(&g32, expected, 1e-4, what);
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let fd32: Vec<f64> = numeric_grad_f32(&f32_fn, &x32)
        .iter()
        .map(|&d| d as f64)
        .collect();
    assert_all_close(&g32, &fd32, 5e-2, what);
}
