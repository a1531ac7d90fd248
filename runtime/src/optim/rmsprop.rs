//! RMSprop (Hinton, Coursera "Neural Networks for Machine Learning",
//! lecture 6e, 2012; centered variant from Graves, "Generating Sequences
//! With Recurrent Neural Networks", 2013): `torch.optim.RMSprop`.
//!
//! For one element with gradient `g`, parameter `p`:
//!
//! ```text
//! g ← −g                              if maximize
//! g ← g + weight_decay·p              (L2 penalty, coupled)
//! s ← α·s + (1 − α)·g²
//! if centered: a ← a + (1 − α)·(g − a);  d ← √(s − a²) + ε
//! else:                                 d ← √s + ε
//! if momentum > 0: b ← momentum·b + g/d;  p ← p − lr·b
//! else:                                   p ← p − lr·g/d
//! ```
//!
//! Defaults (PyTorch's): `lr = 1e-2`, `α = 0.99`, `ε = 1e-8`, no weight
//! decay, no momentum, not centered. Note ε is added *outside* the root.
//!
//! As in PyTorch, a gradient whose square overflows (`|g| ≳ 1e154` in `f64`,
//! `≳ 1e19` in `f32`) makes the centered variant compute `∞ − ∞ = NaN`; the
//! plain variant then just takes a zero step for that element.

use super::{assert_same_len, require, Optimizer, State, StateMap};
use crate::error::Result;
use crate::float::Float;
use crate::params::Params;

/// Hyper-parameters of [`RmsProp`]; `Default` gives PyTorch's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RmsPropConfig {
    /// learning rate (`1e-2`)
    pub lr: f64,
    /// smoothing constant α (`0.99`)
    pub alpha: f64,
    /// added to the denominator, ε (`1e-8`)
    pub eps: f64,
    /// L2 penalty added to the gradient (`0`)
    pub weight_decay: f64,
    /// momentum factor (`0`)
    pub momentum: f64,
    /// normalise by the estimated variance instead of the second moment (`false`)
    pub centered: bool,
    /// ascend instead of descend (`false`)
    pub maximize: bool,
}

impl Default for RmsPropConfig {
    fn default() -> Self {
        Self {
            lr: 1e-2,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
            maximize: false,
        }
    }
}

impl RmsPropConfig {
    /// Checks the ranges PyTorch checks.
    pub fn validate(&self) -> Result<()> {
        require(
            self.lr >= 0.0,
            "RMSprop learning rate",
            format!("{} < 0", self.lr),
        )?;
        require(
            self.eps >= 0.0,
            "RMSprop epsilon",
            format!("{} < 0", self.eps),
        )?;
        require(
            self.alpha >= 0.0,
            "RMSprop alpha",
            format!("{} < 0", self.alpha),
        )?;
        require(
            self.momentum >= 0.0,
            "RMSprop momentum",
            format!("{} < 0", self.momentum),
        )?;
        require(
            self.weight_decay >= 0.0,
            "RMSprop weight decay",
            format!("{} < 0", self.weight_decay),
        )
    }
}

/// Running averages of one parameter for [`rmsprop_update`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RmsPropState<T> {
    /// running average of g², `s`
    pub square_avg: Vec<T>,
    /// running average of g, `a`; empty unless centered
    pub grad_avg: Vec<T>,
    /// momentum buffer `b`; empty unless momentum > 0
    pub momentum_buffer: Vec<T>,
}

impl<T: Float> RmsPropState<T> {
    /// Zeroed buffers for a parameter of `len` elements.
    pub fn zeros(len: usize, cfg: &RmsPropConfig) -> Self {
        let opt = |on: bool| if on { vec![T::ZERO; len] } else { Vec::new() };
        Self {
            square_avg: vec![T::ZERO; len],
            grad_avg: opt(cfg.centered),
            momentum_buffer: opt(cfg.momentum > 0.0),
        }
    }
}

impl<T> State for RmsPropState<T> {
    fn len(&self) -> usize {
        self.square_avg.len()
    }
}

/// One RMSprop step over a flat slice: the rule in the [module docs](self).
///
/// # Panics
/// If `grad` or a used buffer is not as long as `param`.
pub fn rmsprop_update<T: Float>(
    cfg: &RmsPropConfig,
    param: &mut [T],
    grad: &[T],
    state: &mut RmsPropState<T>,
) {
    let n = param.len();
    assert_same_len("grad", n, grad.len());
    assert_same_len("square_avg", n, state.square_avg.len());
    if cfg.centered {
        if state.grad_avg.is_empty() {
            state.grad_avg = vec![T::ZERO; n];
        }
        assert_same_len("grad_avg", n, state.grad_avg.len());
    }
    if cfg.momentum > 0.0 {
        if state.momentum_buffer.is_empty() {
            state.momentum_buffer = vec![T::ZERO; n];
        }
        assert_same_len("momentum_buffer", n, state.momentum_buffer.len());
    }
    let lr = T::from_f64(cfg.lr);
    let alpha = T::from_f64(cfg.alpha);
    let w = T::from_f64(1.0 - cfg.alpha);
    let eps = T::from_f64(cfg.eps);
    let wd = T::from_f64(cfg.weight_decay);
    let mu = T::from_f64(cfg.momentum);
    let sign = if cfg.maximize { -T::ONE } else { T::ONE };
    for i in 0..n {
        let g = sign * grad[i] + wd * param[i];
        let s = &mut state.square_avg[i];
        *s = *s * alpha + w * g * g;
        let mut var = *s;
        if cfg.centered {
            let a = &mut state.grad_avg[i];
            *a += w * (g - *a);
            var -= *a * *a;
        }
        let denom = var.sqrt() + eps;
        if cfg.momentum > 0.0 {
            let b = &mut state.momentum_buffer[i];
            *b = *b * mu + g / denom;
            param[i] -= lr * *b;
        } else {
            param[i] -= lr * g / denom;
        }
    }
}

/// `torch.optim.RMSprop`: see the [module docs](self) for the update rule.
#[derive(Debug, Clone)]
pub struct RmsProp<T> {
    cfg: RmsPropConfig,
    state: StateMap<RmsPropState<T>>,
}

stateful_optimizer!(
    RmsProp,
    RmsPropConfig,
    init: |cfg, len| RmsPropState::zeros(len, &cfg),
    update: |p, g, s| rmsprop_update(&cfg, p, g, s),
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_form_first_step() {
        // s = (1 − α)·g², p ← p − lr·g/(√s + ε)
        let cfg = RmsPropConfig {
            lr: 0.1,
            alpha: 0.75,
            eps: 0.0,
            ..Default::default()
        };
        let mut p = [1.0_f64];
        let mut s = RmsPropState::zeros(1, &cfg);
        rmsprop_update(&cfg, &mut p, &[2.0], &mut s);
        assert!((s.square_avg[0] - 1.0).abs() < 1e-15);
        assert!((p[0] - 0.8).abs() < 1e-15, "{p:?}");
    }
}
