//! Losses that need what a `#[differentiable]` body cannot express, given with their
//! derivatives in the `name_grad` / `name::pullback` convention so that
//! differentiable functions and `grad!` losses can call them:
//!
//! ```
//! use macrograd_runtime::losses::softmax_cross_entropy_grad;
//!
//! let (value, d_logits) = softmax_cross_entropy_grad([1.0_f64, 2.0, 3.0], 2);
//! let sum: f64 = d_logits.iter().sum();
//! assert!(value > 0.0 && sum.abs() < 1e-15); // softmax − one-hot sums to 0
//! ```
//!
//! In a `#[differentiable]` body, call it by path with the label as a `#[nograd]`
//! input of any type: `macrograd::losses::softmax_cross_entropy(logits, label)`.

use crate::float::Float;

/// Cross-entropy of `softmax(logits)` against the class `label`:
/// `logsumexp(logits) − logits[label]`, computed with the maximum
/// subtracted first, so large logits do not overflow.
///
/// # Panics
///
/// If `label >= N`.
pub fn softmax_cross_entropy<T: Float, const N: usize>(logits: [T; N], label: usize) -> T {
    softmax_cross_entropy_grad(logits, label).0
}

/// [`softmax_cross_entropy`] and its gradient `softmax(logits) − onehot(label)`.
///
/// # Panics
///
/// If `label >= N`.
pub fn softmax_cross_entropy_grad<T: Float, const N: usize>(
    logits: [T; N],
    label: usize,
) -> (T, [T; N]) {
    assert!(
        label < N,
        "softmax_cross_entropy: label {label} is not one of the {N} classes"
    );
    let m = logits.iter().copied().fold(logits[0], Float::max);
    let mut exps = [T::ZERO; N];
    let mut sum = T::ZERO;
    for (e, &l) in exps.iter_mut().zip(&logits) {
        *e = (l - m).exp();
        sum += *e;
    }
    let value = m + sum.ln() - logits[label];
    let mut grad = exps;
    for g in grad.iter_mut() {
        *g = *g / sum;
    }
    grad[label] -= T::ONE;
    (value, grad)
}

/// Where differentiable callers find the derivative of
/// [`softmax_cross_entropy`]: the type that shares its name (the
/// convention `#[differentiable]` follows).
#[doc(hidden)]
#[allow(non_camel_case_types)]
pub struct softmax_cross_entropy {}

impl softmax_cross_entropy {
    /// The value and `(∂/∂logits, ())`.
    #[inline]
    pub fn pullback<T: Float, const N: usize>(logits: [T; N], label: usize) -> (T, ([T; N], ())) {
        let (value, grad) = softmax_cross_entropy_grad(logits, label);
        (value, (grad, ()))
    }

    /// A no-op differentiable callers call first: it says this function
    /// has a derivative (its absence is the error for one that has none).
    #[inline(always)]
    pub fn has_derivative() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_definition_and_survives_large_logits() {
        let l = [0.5_f64, -1.0, 2.0];
        let direct = -(l[2].exp() / l.iter().map(|v| v.exp()).sum::<f64>()).ln();
        assert!((softmax_cross_entropy(l, 2) - direct).abs() < 1e-15);
        let big = [1000.0_f32, 0.0, -1000.0];
        assert_eq!(softmax_cross_entropy(big, 0), 0.0);
        assert!((softmax_cross_entropy(big, 1) - 1000.0).abs() < 1e-3);
    }

    #[test]
    fn gradient_matches_central_differences() {
        let l = [0.3_f64, -0.7, 1.1, 0.0];
        let (_, g) = softmax_cross_entropy_grad(l, 1);
        for i in 0..4 {
            let (mut up, mut down) = (l, l);
            up[i] += 1e-6;
            down[i] -= 1e-6;
            let fd = (softmax_cross_entropy(up, 1) - softmax_cross_entropy(down, 1)) / 2e-6;
            assert!((fd - g[i]).abs() < 1e-8, "component {i}: {fd} vs {}", g[i]);
        }
    }
}
