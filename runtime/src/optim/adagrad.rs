//! Adagrad (Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online
//! Learning and Stochastic Optimization", JMLR 2011): `torch.optim.Adagrad`.
//!
//! For one element at step `t` (from 1), gradient `g`, parameter `p`:
//!
//! ```text
//! g ← −g                              if maximize
//! g ← g + weight_decay·p              (L2 penalty, coupled)
//! η ← lr / (1 + (t − 1)·lr_decay)
//! s ← s + g²                          (s starts at initial_accumulator_value)
//! p ← p − η·g/(√s + ε)
//! ```
//!
//! Defaults (PyTorch's): `lr = 1e-2`, `lr_decay = 0`, `weight_decay = 0`,
//! `initial_accumulator_value = 0`, `ε = 1e-10`.

use super::{assert_same_len, require, Optimizer, State, StateMap};
use crate::error::Result;
use crate::float::Float;
use crate::params::Params;

/// Hyper-parameters of [`Adagrad`]; `Default` gives PyTorch's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdagradConfig {
    /// learning rate (`1e-2`)
    pub lr: f64,
    /// learning-rate decay per step (`0`)
    pub lr_decay: f64,
    /// L2 penalty added to the gradient (`0`)
    pub weight_decay: f64,
    /// starting value of the sum of squares (`0`)
    pub initial_accumulator_value: f64,
    /// added to the denominator, ε (`1e-10`)
    pub eps: f64,
    /// ascend instead of descend (`false`)
    pub maximize: bool,
}

impl Default for AdagradConfig {
    fn default() -> Self {
        Self {
            lr: 1e-2,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
            maximize: false,
        }
    }
}

impl AdagradConfig {
    /// Checks the ranges PyTorch checks.
    pub fn validate(&self) -> Result<()> {
        require(
            self.lr >= 0.0,
            "Adagrad learning rate",
            format!("{} < 0", self.lr),
        )?;
        require(
            self.lr_decay >= 0.0,
            "Adagrad lr decay",
            format!("{} < 0", self.lr_decay),
        )?;
        require(
            self.eps >= 0.0,
            "Adagrad epsilon",
            format!("{} < 0", self.eps),
        )?;
        require(
            self.initial_accumulator_value >= 0.0,
            "Adagrad initial accumulator value",
            format!("{} < 0", self.initial_accumulator_value),
        )?;
        require(
            self.weight_decay >= 0.0,
            "Adagrad weight decay",
            format!("{} < 0", self.weight_decay),
        )
    }
}

/// Accumulated squares of one parameter for [`adagrad_update`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdagradState<T> {
    /// running sum of g², `s`
    pub sum: Vec<T>,
    /// steps taken so far
    pub step: u64,
}

impl<T: Float> AdagradState<T> {
    /// Fresh state for a parameter of `len` elements.
    pub fn new(len: usize, cfg: &AdagradConfig) -> Self {
        Self {
            sum: vec![T::from_f64(cfg.initial_accumulator_value); len],
            step: 0,
        }
    }
}

impl<T> State for AdagradState<T> {
    fn len(&self) -> usize {
        self.sum.len()
    }
}

/// One Adagrad step over a flat slice: the rule in the [module docs](self).
/// Increments `state.step`.
///
/// # Panics
/// If `grad` or `state.sum` is not as long as `param`.
pub fn adagrad_update<T: Float>(
    cfg: &AdagradConfig,
    param: &mut [T],
    grad: &[T],
    state: &mut AdagradState<T>,
) {
    let n = param.len();
    assert_same_len("grad", n, grad.len());
    assert_same_len("sum", n, state.sum.len());
    state.step += 1;
    let clr = T::from_f64(cfg.lr / (1.0 + (state.step - 1) as f64 * cfg.lr_decay));
    let eps = T::from_f64(cfg.eps);
    let wd = T::from_f64(cfg.weight_decay);
    let sign = if cfg.maximize { -T::ONE } else { T::ONE };
    for ((p, &g), s) in param.iter_mut().zip(grad).zip(state.sum.iter_mut()) {
        let g = sign * g + wd * *p;
        *s += g * g;
        *p -= clr * g / (s.sqrt() + eps);
    }
}

/// `torch.optim.Adagrad`: see the [module docs](self) for the update rule.
#[derive(Debug, Clone)]
pub struct Adagrad<T> {
    cfg: AdagradConfig,
    state: StateMap<AdagradState<T>>,
}

stateful_optimizer!(
    Adagrad,
    AdagradConfig,
    init: |cfg, len| AdagradState::new(len, &cfg),
    update: |p, g, s| adagrad_update(&cfg, p, g, s),
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_form_two_steps() {
        // step 1: s = 4, p = 1 − 0.5·2/2 = 0.5; step 2 (lr_decay 1 → η = 0.25):
        // g = 2, s = 8, p = 0.5 − 0.25·2/√8
        let cfg = AdagradConfig {
            lr: 0.5,
            lr_decay: 1.0,
            eps: 0.0,
            ..Default::default()
        };
        let mut p = [1.0_f64];
        let mut s = AdagradState::new(1, &cfg);
        adagrad_update(&cfg, &mut p, &[2.0], &mut s);
        assert!((p[0] - 0.5).abs() < 1e-15);
        adagrad_update(&cfg, &mut p, &[2.0], &mut s);
        assert!((p[0] - (0.5 - 0.5 / 8f64.sqrt())).abs() < 1e-15, "{p:?}");
    }
}
