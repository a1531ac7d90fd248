//! `map(..).sum()`, `fold` and closures over slices.

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
