//! Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR
//! 2015), its AMSGrad variant (Reddi et al., "On the Convergence of Adam and
//! Beyond", ICLR 2018) and AdamW (Loshchilov & Hutter, "Decoupled Weight
//! Decay Regularization", ICLR 2019): `torch.optim.Adam` / `AdamW`.
//!
//! For one element at step `t` (from 1), gradient `g`, parameter `p`:
//!
//! ```text
//! g ← −g                                  if maximize
//! Adam:  g ← g + weight_decay·p           (L2 penalty, coupled)
//! AdamW: p ← p·(1 − lr·weight_decay)      (decoupled decay)
//! m ← m + (1 − β₁)·(g − m)                (= β₁·m + (1 − β₁)·g, PyTorch's lerp)
//! v ← β₂·v + (1 − β₂)·g²
//! v̂ ← max(v̂, v) and use v̂ below          if amsgrad
//! p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
//! ```
//!
//! Defaults (PyTorch's): `lr = 1e-3`, `β = (0.9, 0.999)`, `ε = 1e-8`,
//! `weight_decay = 0` for Adam and `1e-2` for AdamW, no AMSGrad.

use super::{assert_same_len, require, Optimizer, State, StateMap};
use crate::error::Result;
use crate::float::Float;
use crate::params::Params;

/// Hyper-parameters of [`Adam`] and [`AdamW`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamConfig {
    /// learning rate (`1e-3`)
    pub lr: f64,
    /// decay of the first-moment estimate, β₁ (`0.9`)
    pub beta1: f64,
    /// decay of the second-moment estimate, β₂ (`0.999`)
    pub beta2: f64,
    /// added to the denominator, ε (`1e-8`)
    pub eps: f64,
    /// weight decay: L2 for Adam (`0`), decoupled for AdamW (`1e-2`)
    pub weight_decay: f64,
    /// use the running maximum of `v` (AMSGrad) (`false`)
    pub amsgrad: bool,
    /// ascend instead of descend (`false`)
    pub maximize: bool,
}

impl Default for AdamConfig {
    /// Adam's defaults (`weight_decay = 0`); see [`AdamConfig::adamw`].
    fn default() -> Self {
        Self {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
            maximize: false,
        }
    }
}

impl AdamConfig {
    /// AdamW's defaults: Adam's with `weight_decay = 1e-2`.
    pub fn adamw() -> Self {
        Self {
            weight_decay: 1e-2,
            ..Self::default()
        }
    }

    /// Checks the ranges PyTorch checks.
    pub fn validate(&self) -> Result<()> {
        require(
            self.lr >= 0.0,
            "Adam learning rate",
            format!("{} < 0", self.lr),
        )?;
        require(self.eps >= 0.0, "Adam epsilon", format!("{} < 0", self.eps))?;
        require(
            (0.0..1.0).contains(&self.beta1),
            "Adam beta1",
            format!("{} is not in [0, 1)", self.beta1),
        )?;
        require(
            (0.0..1.0).contains(&self.beta2),
            "Adam beta2",
            format!("{} is not in [0, 1)", self.beta2),
        )?;
        require(
            self.weight_decay >= 0.0,
            "Adam weight decay",
            format!("{} < 0", self.weight_decay),
        )
    }
}

/// Moment buffers of one parameter for [`adam_update`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdamMoments<T> {
    /// first moment `m`
    pub exp_avg: Vec<T>,
    /// second moment `v`
    pub exp_avg_sq: Vec<T>,
    /// running maximum of `v`; empty unless AMSGrad
    pub max_exp_avg_sq: Vec<T>,
    /// steps taken so far (`t` of the last update)
    pub step: u64,
}

impl<T: Float> AdamMoments<T> {
    /// Zeroed buffers for a parameter of `len` elements.
    pub fn zeros(len: usize, amsgrad: bool) -> Self {
        Self {
            exp_avg: vec![T::ZERO; len],
            exp_avg_sq: vec![T::ZERO; len],
            max_exp_avg_sq: if amsgrad {
                vec![T::ZERO; len]
            } else {
                Vec::new()
            },
            step: 0,
        }
    }
}

impl<T> State for AdamMoments<T> {
    fn len(&self) -> usize {
        self.exp_avg.len()
    }
}

/// One Adam (`decoupled = false`) or AdamW (`decoupled = true`) step over a
/// flat slice: the rule in the [module docs](self). Increments `state.step`.
///
/// # Panics
/// If `grad` or the buffers are not as long as `param`.
pub fn adam_update<T: Float>(
    cfg: &AdamConfig,
    decoupled: bool,
    param: &mut [T],
    grad: &[T],
    state: &mut AdamMoments<T>,
) {
    let n = param.len();
    assert_same_len("grad", n, grad.len());
    assert_same_len("exp_avg", n, state.exp_avg.len());
    assert_same_len("exp_avg_sq", n, state.exp_avg_sq.len());
    if cfg.amsgrad {
        if state.max_exp_avg_sq.is_empty() {
            state.max_exp_avg_sq = vec![T::ZERO; n];
        }
        assert_same_len("max_exp_avg_sq", n, state.max_exp_avg_sq.len());
    }
    state.step += 1;
    // Scalars in f64, as PyTorch computes them in Python floats.
    let t = state.step as f64;
    let bias1 = 1.0 - cfg.beta1.powf(t);
    let bias2_sqrt = T::from_f64((1.0 - cfg.beta2.powf(t)).sqrt());
    let step_size = T::from_f64(cfg.lr / bias1);
    let w1 = T::from_f64(1.0 - cfg.beta1);
    let b2 = T::from_f64(cfg.beta2);
    let w2 = T::from_f64(1.0 - cfg.beta2);
    let eps = T::from_f64(cfg.eps);
    let wd = T::from_f64(cfg.weight_decay);
    let decay = T::from_f64(1.0 - cfg.lr * cfg.weight_decay);
    let sign = if cfg.maximize { -T::ONE } else { T::ONE };
    let k = Coefs {
        step_size,
        bias2_sqrt,
        w1,
        b2,
        w2,
        eps,
        wd,
        decay,
        sign,
    };
    // The decay mode and AMSGrad become const parameters: one branch-free,
    // bounds-check-free loop per combination.
    let mode = match (cfg.weight_decay != 0.0, decoupled) {
        (false, _) => NO_DECAY,
        (true, false) => L2,
        (true, true) => DECOUPLED,
    };
    let AdamMoments {
        exp_avg: m,
        exp_avg_sq: v,
        max_exp_avg_sq: vmax,
        ..
    } = state;
    match (mode, cfg.amsgrad) {
        (NO_DECAY, false) => plain::<T, NO_DECAY>(param, grad, m, v, k),
        (L2, false) => plain::<T, L2>(param, grad, m, v, k),
        (_, false) => plain::<T, DECOUPLED>(param, grad, m, v, k),
        (NO_DECAY, true) => amsgrad::<T, NO_DECAY>(param, grad, m, v, vmax, k),
        (L2, true) => amsgrad::<T, L2>(param, grad, m, v, vmax, k),
        (_, true) => amsgrad::<T, DECOUPLED>(param, grad, m, v, vmax, k),
    }
}

const NO_DECAY: u8 = 0;
const L2: u8 = 1;
const DECOUPLED: u8 = 2;

#[derive(Clone, Copy)]
struct Coefs<T> {
    step_size: T,
    bias2_sqrt: T,
    w1: T,
    b2: T,
    w2: T,
    eps: T,
    wd: T,
    decay: T,
    sign: T,
}

/// The gradient after maximize and weight decay (decoupled decay scales `p`).
#[inline(always)]
fn decayed<T: Float, const MODE: u8>(p: &mut T, g: T, k: &Coefs<T>) -> T {
    let g = k.sign * g;
    match MODE {
        L2 => g + k.wd * *p,
        DECOUPLED => {
            *p *= k.decay;
            g
        }
        _ => g,
    }
}

fn plain<T: Float, const MODE: u8>(
    param: &mut [T],
    grad: &[T],
    m: &mut [T],
    v: &mut [T],
    k: Coefs<T>,
) {
    for (((p, &g), m), v) in param
        .iter_mut()
        .zip(grad)
        .zip(m.iter_mut())
        .zip(v.iter_mut())
    {
        let g = decayed::<T, MODE>(p, g, &k);
        *m += k.w1 * (g - *m);
        *v = *v * k.b2 + k.w2 * g * g;
        *p -= k.step_size * *m / (v.sqrt() / k.bias2_sqrt + k.eps);
    }
}

fn amsgrad<T: Float, const MODE: u8>(
    param: &mut [T],
    grad: &[T],
    m: &mut [T],
    v: &mut [T],
    vmax: &mut [T],
    k: Coefs<T>,
) {
    let it = param
        .iter_mut()
        .zip(grad)
        .zip(m.iter_mut())
        .zip(v.iter_mut());
    for ((((p, &g), m), v), vmax) in it.zip(vmax.iter_mut()) {
        let g = decayed::<T, MODE>(p, g, &k);
        *m += k.w1 * (g - *m);
        *v = *v * k.b2 + k.w2 * g * g;
        *vmax = vmax.max(*v);
        *p -= k.step_size * *m / (vmax.sqrt() / k.bias2_sqrt + k.eps);
    }
}

/// `torch.optim.Adam`: see the [module docs](self) for the update rule.
#[derive(Debug, Clone)]
pub struct Adam<T> {
    cfg: AdamConfig,
    state: StateMap<AdamMoments<T>>,
}

/// `torch.optim.AdamW`: Adam with decoupled weight decay; see the
/// [module docs](self).
#[derive(Debug, Clone)]
pub struct AdamW<T> {
    cfg: AdamConfig,
    state: StateMap<AdamMoments<T>>,
}

macro_rules! adam_family {
    ($ty:ident, $decoupled:literal, $default:expr) => {
        stateful_optimizer!(
            $ty,
            AdamConfig,
            init: |cfg, len| AdamMoments::zeros(len, cfg.amsgrad),
            update: |p, g, s| adam_update(&cfg, $decoupled, p, g, s),
        );

        impl<T: Float> $ty<T> {
            /// PyTorch's defaults with learning rate `lr`.
            ///
            /// # Panics
            /// If `lr` is negative.
            pub fn with_lr(lr: f64) -> Self {
                Self::new(AdamConfig { lr, ..$default })
                    .expect("PyTorch's defaults are valid for any non-negative learning rate")
            }

            /// The moment estimates kept for parameter `name`, if any.
            pub fn moments(&self, name: &str) -> Option<&AdamMoments<T>> {
                self.state.get(name)
            }
        }
    };
}
adam_family!(Adam, false, AdamConfig::default());
adam_family!(AdamW, true, AdamConfig::adamw());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_moves_by_lr_times_sign() {
        // After one step m̂ = g and v̂ = g², so the step is lr·g/(|g| + ε') ≈ lr·sign(g).
        let cfg = AdamConfig {
            lr: 0.1,
            eps: 0.0,
            ..Default::default()
        };
        let mut p = [1.0_f64, 1.0];
        let mut s = AdamMoments::zeros(2, false);
        adam_update(&cfg, false, &mut p, &[3.0, -0.02], &mut s);
        assert!(
            (p[0] - 0.9).abs() < 1e-14 && (p[1] - 1.1).abs() < 1e-14,
            "{p:?}"
        );
        assert_eq!(s.step, 1);
    }

    #[test]
    fn adamw_decay_is_decoupled() {
        // zero gradient: Adam's L2 term moves p through the adaptive step,
        // AdamW just scales p by (1 − lr·wd).
        let cfg = AdamConfig {
            lr: 0.1,
            weight_decay: 0.5,
            ..Default::default()
        };
        let mut p = [2.0_f64];
        let mut s = AdamMoments::zeros(1, false);
        adam_update(&cfg, true, &mut p, &[0.0], &mut s);
        assert!((p[0] - 2.0 * 0.95).abs() < 1e-15);
    }

    #[test]
    fn converges_on_a_quadratic_and_survives_extreme_gradients() {
        let c = [3.0_f64, -1.0];
        let mut w = [0.0_f64; 2];
        let mut opt = Adam::with_lr(0.05);
        for _ in 0..2000 {
            let g = [2.0 * (w[0] - c[0]), 2.0 * (w[1] - c[1])];
            opt.step(&mut w, &g).unwrap();
        }
        assert!(
            (w[0] - c[0]).abs() < 1e-3 && (w[1] - c[1]).abs() < 1e-3,
            "{w:?}"
        );
        let mut w = [0.0_f64];
        let mut opt = AdamW::with_lr(0.01);
        opt.step(&mut w, &[1e300]).unwrap();
        opt.step(&mut w, &[-1e-300]).unwrap();
        assert!(w[0].is_finite());
    }
}
