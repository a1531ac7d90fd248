//! Stochastic gradient descent with momentum, dampening, Nesterov momentum
//! and L2 weight decay: `torch.optim.SGD`.
//!
//! Nesterov momentum as formulated by Sutskever et al., "On the importance of
//! initialization and momentum in deep learning" (ICML 2013), in PyTorch's
//! form. For one element, with gradient `g`, parameter `p`, buffer `b`:
//!
//! ```text
//! g ← −g                              if maximize
//! g ← g + weight_decay·p              (L2 penalty, coupled)
//! if momentum ≠ 0:
//!     b ← g                           on the first step (no dampening)
//!     b ← momentum·b + (1 − dampening)·g   afterwards
//!     g ← g + momentum·b   if nesterov, else  g ← b
//! p ← p − lr·g
//! ```
//!
//! Defaults (PyTorch's): `lr = 1e-3`, everything else `0` / `false`.

use super::{assert_same_len, require, Optimizer, State, StateMap};
use crate::error::Result;
use crate::float::Float;
use crate::params::Params;

/// Hyper-parameters of [`Sgd`]; `Default` gives PyTorch's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdConfig {
    /// learning rate (`1e-3`)
    pub lr: f64,
    /// momentum factor (`0`: plain SGD, no buffer kept)
    pub momentum: f64,
    /// dampening of the gradient added to the momentum buffer (`0`)
    pub dampening: f64,
    /// L2 penalty added to the gradient (`0`)
    pub weight_decay: f64,
    /// Nesterov momentum; needs `momentum > 0` and `dampening == 0` (`false`)
    pub nesterov: bool,
    /// ascend instead of descend (`false`)
    pub maximize: bool,
}

impl Default for SgdConfig {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            maximize: false,
        }
    }
}

impl SgdConfig {
    /// Checks the ranges PyTorch checks.
    pub fn validate(&self) -> Result<()> {
        require(
            self.lr >= 0.0,
            "SGD learning rate",
            format!("{} < 0", self.lr),
        )?;
        require(
            self.momentum >= 0.0,
            "SGD momentum",
            format!("{} < 0", self.momentum),
        )?;
        require(
            self.weight_decay >= 0.0,
            "SGD weight decay",
            format!("{} < 0", self.weight_decay),
        )?;
        require(
            !self.nesterov || (self.momentum > 0.0 && self.dampening == 0.0),
            "SGD nesterov",
            "Nesterov momentum needs momentum > 0 and dampening = 0",
        )
    }
}

/// One SGD step over a flat slice: the rule in the [module docs](self).
///
/// `momentum_buffer` is ignored (and may be empty) when `cfg.momentum == 0`;
/// `first_step` says the buffer has not been filled yet.
///
/// # Panics
/// If `grad` (or a used `momentum_buffer`) is not as long as `param`.
pub fn sgd_update<T: Float>(
    cfg: &SgdConfig,
    param: &mut [T],
    grad: &[T],
    momentum_buffer: &mut [T],
    first_step: bool,
) {
    assert_same_len("grad", param.len(), grad.len());
    let lr = T::from_f64(cfg.lr);
    let wd = T::from_f64(cfg.weight_decay);
    let mu = T::from_f64(cfg.momentum);
    let keep = T::from_f64(1.0 - cfg.dampening);
    // Negation is exact, so maximizing is descending along −g.
    let sign = if cfg.maximize { -T::ONE } else { T::ONE };
    // Flags become const parameters so each combination is its own
    // branch-free loop the compiler can vectorize.
    let decay = cfg.weight_decay != 0.0;
    if cfg.momentum == 0.0 {
        if decay {
            plain::<T, true>(param, grad, lr, sign, wd);
        } else {
            plain::<T, false>(param, grad, lr, sign, wd);
        }
        return;
    }
    assert_same_len("momentum_buffer", param.len(), momentum_buffer.len());
    let k = Coefs {
        lr,
        sign,
        wd,
        mu,
        keep,
    };
    match (decay, cfg.nesterov, first_step) {
        (false, false, false) => {
            momentum::<T, false, false, false>(param, grad, momentum_buffer, k)
        }
        (false, false, true) => momentum::<T, false, false, true>(param, grad, momentum_buffer, k),
        (false, true, false) => momentum::<T, false, true, false>(param, grad, momentum_buffer, k),
        (false, true, true) => momentum::<T, false, true, true>(param, grad, momentum_buffer, k),
        (true, false, false) => momentum::<T, true, false, false>(param, grad, momentum_buffer, k),
        (true, false, true) => momentum::<T, true, false, true>(param, grad, momentum_buffer, k),
        (true, true, false) => momentum::<T, true, true, false>(param, grad, momentum_buffer, k),
        (true, true, true) => momentum::<T, true, true, true>(param, grad, momentum_buffer, k),
    }
}

fn plain<T: Float, const DECAY: bool>(param: &mut [T], grad: &[T], lr: T, sign: T, wd: T) {
    for (p, &g) in param.iter_mut().zip(grad) {
        let d = if DECAY { sign * g + wd * *p } else { sign * g };
        *p -= lr * d;
    }
}

#[derive(Clone, Copy)]
struct Coefs<T> {
    lr: T,
    sign: T,
    wd: T,
    mu: T,
    keep: T,
}

fn momentum<T: Float, const DECAY: bool, const NESTEROV: bool, const FIRST: bool>(
    param: &mut [T],
    grad: &[T],
    buffer: &mut [T],
    k: Coefs<T>,
) {
    for ((p, &g), b) in param.iter_mut().zip(grad).zip(buffer.iter_mut()) {
        let d = if DECAY {
            k.sign * g + k.wd * *p
        } else {
            k.sign * g
        };
        *b = if FIRST { d } else { k.mu * *b + k.keep * d };
        let d = if NESTEROV { d + k.mu * *b } else { *b };
        *p -= k.lr * d;
    }
}

/// Per-parameter state of [`Sgd`].
#[derive(Debug, Clone)]
struct SgdState<T> {
    /// the momentum buffer, one element per parameter element
    buffer: Vec<T>,
    steps: u64,
}

impl<T> State for SgdState<T> {
    fn len(&self) -> usize {
        self.buffer.len()
    }
}

/// `torch.optim.SGD`: see the [module docs](self) for the update rule.
///
/// ```
/// use macrograd_runtime::optim::{Optimizer, Sgd};
/// let mut w = [1.0_f64, -2.0];
/// let mut opt = Sgd::with_lr(0.1);
/// opt.step(&mut w, &[0.5, 0.5]).unwrap();
/// assert_eq!(w, [0.95, -2.05]);
/// ```
#[derive(Debug, Clone)]
pub struct Sgd<T> {
    cfg: SgdConfig,
    state: StateMap<SgdState<T>>,
}

impl<T: Float> Sgd<T> {
    /// An optimizer with these hyper-parameters, after [`SgdConfig::validate`].
    pub fn new(cfg: SgdConfig) -> Result<Self> {
        cfg.validate()?;
        Ok(Self {
            cfg,
            state: StateMap::default(),
        })
    }

    /// Plain SGD (no momentum, no decay) with learning rate `lr`.
    ///
    /// # Panics
    /// If `lr` is negative.
    pub fn with_lr(lr: f64) -> Self {
        Self::new(SgdConfig {
            lr,
            ..SgdConfig::default()
        })
        .expect("a non-negative learning rate is the only requirement of plain SGD")
    }

    /// The hyper-parameters.
    pub fn config(&self) -> &SgdConfig {
        &self.cfg
    }

    /// The momentum buffer kept for parameter `name`, if any.
    pub fn momentum_buffer(&self, name: &str) -> Option<&[T]> {
        self.state
            .get(name)
            .filter(|s| s.steps > 0)
            .map(|s| s.buffer.as_slice())
    }
}

impl<T: Float> Optimizer<T> for Sgd<T> {
    fn step<P>(&mut self, params: &mut P, grad: &P::Gradient) -> Result<()>
    where
        P: Params<Scalar = T> + ?Sized,
    {
        let cfg = self.cfg;
        if cfg.momentum == 0.0 {
            // Stateless (the configuration is fixed after construction, so
            // no buffers ever exist): check the whole structure first (a
            // step is all or nothing), then update.
            crate::params::for_each_with_grad(params, grad, |_| Ok(()))?;
            return crate::params::for_each_with_grad(params, grad, |leaf| {
                sgd_update(&cfg, leaf.param, leaf.grad, &mut [], true);
                Ok(())
            });
        }
        self.state.step(
            params,
            grad,
            |len| SgdState {
                buffer: vec![T::ZERO; len],
                steps: 0,
            },
            |p, g, s| {
                sgd_update(&cfg, p, g, &mut s.buffer, s.steps == 0);
                s.steps += 1;
            },
        )
    }

    fn learning_rate(&self) -> f64 {
        self.cfg.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.cfg.lr = lr;
    }

    fn reset(&mut self) {
        self.state.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_form_single_steps() {
        // plain: p - lr*g
        let mut p = [1.0_f64, 2.0];
        sgd_update(
            &SgdConfig {
                lr: 0.5,
                ..Default::default()
            },
            &mut p,
            &[1.0, -4.0],
            &mut [],
            true,
        );
        assert_eq!(p, [0.5, 4.0]);
        // weight decay: p - lr*(g + wd*p) = 1 - 0.1*(1 + 0.5) = 0.85
        let mut p = [1.0_f64];
        let cfg = SgdConfig {
            lr: 0.1,
            weight_decay: 0.5,
            ..Default::default()
        };
        sgd_update(&cfg, &mut p, &[1.0], &mut [], true);
        assert!((p[0] - 0.85).abs() < 1e-15);
        // momentum, second step: b = 0.9*1 + (1-0.5)*2 = 1.9, p = 0 - 1*1 - 1*1.9
        let cfg = SgdConfig {
            lr: 1.0,
            momentum: 0.9,
            dampening: 0.5,
            ..Default::default()
        };
        let (mut p, mut b) = ([0.0_f64], [0.0_f64]);
        sgd_update(&cfg, &mut p, &[1.0], &mut b, true);
        assert_eq!((p, b), ([-1.0], [1.0]));
        sgd_update(&cfg, &mut p, &[2.0], &mut b, false);
        assert!((b[0] - 1.9).abs() < 1e-15 && (p[0] + 2.9).abs() < 1e-15);
    }

    #[test]
    fn nesterov_needs_momentum_and_no_dampening() {
        let bad = SgdConfig {
            nesterov: true,
            ..Default::default()
        };
        assert!(Sgd::<f64>::new(bad).is_err());
        let bad = SgdConfig {
            nesterov: true,
            momentum: 0.9,
            dampening: 0.1,
            ..Default::default()
        };
        assert!(Sgd::<f64>::new(bad).is_err());
    }

    #[test]
    fn converges_on_a_quadratic() {
        // f(w) = Σ (w_i − c_i)², ∇f = 2(w − c)
        let c = [3.0_f64, -1.0, 0.5];
        let mut w = [0.0_f64; 3];
        let cfg = SgdConfig {
            lr: 0.05,
            momentum: 0.9,
            nesterov: true,
            ..Default::default()
        };
        let mut opt = Sgd::new(cfg).unwrap();
        for _ in 0..500 {
            let g = [
                2.0 * (w[0] - c[0]),
                2.0 * (w[1] - c[1]),
                2.0 * (w[2] - c[2]),
            ];
            opt.step(&mut w, &g).unwrap();
        }
        for (a, b) in w.iter().zip(c) {
            assert!((a - b).abs() < 1e-9, "{w:?}");
        }
    }
}
