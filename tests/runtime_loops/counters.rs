//! Integer counters carried through run-time loops.

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
