//! `const` items as loop bounds and row widths.

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
