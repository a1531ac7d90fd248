//! Gradient clipping, in place on a gradient value.
//!
//! Both follow `torch.nn.utils`: [`clip_grad_norm`] is `clip_grad_norm_`
//! with the L2 norm over all tensors together and
//! `error_if_nonfinite=True`; [`clip_grad_value`] is `clip_grad_value_`.

use crate::error::{Error, Result};
use crate::ops::Real;
use crate::params::{first_non_finite, for_each_mut, l2_norm, Params};

/// Scales `grad` so its global L2 norm is at most `max_norm`; returns the
/// norm *before* clipping.
///
/// As PyTorch, the factor is `max_norm / (norm + 1e-6)` when that is below
/// one. A NaN or infinite norm is [`Error::NotFinite`] naming the first
/// offending tensor, and `grad` is left unchanged.
pub fn clip_grad_norm<G: Params + ?Sized>(grad: &mut G, max_norm: f64) -> Result<f64> {
    let norm = l2_norm(grad);
    if !norm.is_finite() {
        return Err(Error::NotFinite {
            name: first_non_finite(grad).unwrap_or_else(|| "gradient norm".to_owned()),
        });
    }
    let coef = max_norm / (norm + 1e-6);
    if coef < 1.0 {
        let c = G::Scalar::from_f64(coef);
        for_each_mut(grad, |leaf| {
            leaf.data.iter_mut().for_each(|x| *x *= c);
            Ok(())
        })?;
    }
    Ok(norm)
}

/// Clamps every gradient component into `[-clip, clip]` (NaN stays NaN).
pub fn clip_grad_value<G: Params + ?Sized>(grad: &mut G, clip: f64) {
    let hi = G::Scalar::from_f64(clip.abs());
    let lo = -hi;
    let _ = for_each_mut(grad, |leaf| {
        for x in leaf.data.iter_mut() {
            if *x > hi {
                *x = hi;
            } else if *x < lo {
                *x = lo;
            }
        }
        Ok(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_clip_closed_form() {
        let mut g = ([3.0_f64], 4.0_f64);
        let norm = clip_grad_norm(&mut g, 1.0).unwrap();
        assert_eq!(norm, 5.0);
        let c = 1.0 / (5.0 + 1e-6);
        assert!((g.0[0] - 3.0 * c).abs() < 1e-15 && (g.1 - 4.0 * c).abs() < 1e-15);
        // under the limit: untouched
        let mut g = [0.3_f64, 0.4];
        clip_grad_norm(&mut g, 1.0).unwrap();
        assert_eq!(g, [0.3, 0.4]);
    }

    #[test]
    fn non_finite_norm_is_an_error_naming_the_tensor() {
        let mut g = ([1.0_f64], [f64::INFINITY, 1.0]);
        let err = clip_grad_norm(&mut g, 1.0).unwrap_err();
        assert!(
            matches!(&err, Error::NotFinite { name } if name == "1"),
            "{err}"
        );
        assert_eq!(g, ([1.0], [f64::INFINITY, 1.0]));
    }
}
