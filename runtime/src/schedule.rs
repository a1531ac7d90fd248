//! Learning-rate schedules: the learning rate as a function of the step.
//!
//! A [`Schedule`] maps a step counter `t` (from 0; count epochs or
//! iterations, whichever you call it with) to a learning rate. The formulas
//! are the closed forms of PyTorch's `torch.optim.lr_scheduler` classes;
//! any `Fn(usize) -> f64` closure is a schedule too. Apply one with
//! [`apply`] before each step.
//!
//! ```
//! use macrograd_runtime::schedule::{self, Schedule};
//! let s = schedule::micrograd(100);
//! assert_eq!(s.lr(0), 1.0);
//! assert!((s.lr(50) - 0.55).abs() < 1e-15);
//! let halving = |t: usize| 0.1 * 0.5f64.powi(t as i32);
//! assert_eq!(halving.lr(2), 0.025);
//! ```

use crate::float::Float;
use crate::optim::Optimizer;

/// A learning rate for every step.
pub trait Schedule {
    /// The learning rate at step `t` (from 0).
    fn lr(&self, t: usize) -> f64;
}

impl<F: Fn(usize) -> f64> Schedule for F {
    fn lr(&self, t: usize) -> f64 {
        self(t)
    }
}

/// Sets `opt`'s learning rate to `schedule.lr(t)`.
pub fn apply<T: Float, O: Optimizer<T>, S: Schedule + ?Sized>(opt: &mut O, schedule: &S, t: usize) {
    opt.set_learning_rate(schedule.lr(t));
}

/// The same rate at every step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constant(pub f64);

impl Schedule for Constant {
    fn lr(&self, _: usize) -> f64 {
        self.0
    }
}

/// `base · gamma^⌊t / step_size⌋` (PyTorch's `StepLR`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepDecay {
    /// rate at step 0
    pub base: f64,
    /// steps between decays (treated as 1 if 0)
    pub step_size: usize,
    /// factor applied at each decay
    pub gamma: f64,
}

impl Schedule for StepDecay {
    fn lr(&self, t: usize) -> f64 {
        self.base * self.gamma.powi(exponent(t / self.step_size.max(1)))
    }
}

/// `base · gamma^t` (PyTorch's `ExponentialLR`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exponential {
    /// rate at step 0
    pub base: f64,
    /// factor per step
    pub gamma: f64,
}

impl Schedule for Exponential {
    fn lr(&self, t: usize) -> f64 {
        self.base * self.gamma.powi(exponent(t))
    }
}

fn exponent(t: usize) -> i32 {
    i32::try_from(t).unwrap_or(i32::MAX)
}

/// `η_min + (base − η_min)·(1 + cos(π·t/t_max))/2`, held at `η_min` after
/// `t_max` (PyTorch's `CosineAnnealingLR`, closed form, without restarts).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CosineAnnealing {
    /// rate at step 0
    pub base: f64,
    /// steps to reach `eta_min` (treated as 1 if 0)
    pub t_max: usize,
    /// final rate
    pub eta_min: f64,
}

impl Schedule for CosineAnnealing {
    fn lr(&self, t: usize) -> f64 {
        let t_max = self.t_max.max(1);
        let frac = t.min(t_max) as f64 / t_max as f64;
        self.eta_min
            + (self.base - self.eta_min) * (1.0 + (core::f64::consts::PI * frac).cos()) / 2.0
    }
}

/// Linear interpolation of the factor from `start_factor` to `end_factor`
/// over `total_steps`, then held: `base · factor(t)` (PyTorch's `LinearLR`,
/// the usual linear warm-up when `start_factor < end_factor = 1`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearWarmup {
    /// rate the factors multiply
    pub base: f64,
    /// factor at step 0
    pub start_factor: f64,
    /// factor from `total_steps` on
    pub end_factor: f64,
    /// length of the ramp (0: `end_factor` at once)
    pub total_steps: usize,
}

impl Schedule for LinearWarmup {
    fn lr(&self, t: usize) -> f64 {
        if self.total_steps == 0 {
            return self.base * self.end_factor;
        }
        let frac = t.min(self.total_steps) as f64 / self.total_steps as f64;
        self.base * (self.start_factor + (self.end_factor - self.start_factor) * frac)
    }
}

/// Linear warm-up from 0 to `then.lr(0)` over `warmup_steps`, then `then`
/// shifted to start after the warm-up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WarmupThen<S> {
    /// length of the warm-up
    pub warmup_steps: usize,
    /// schedule after the warm-up; its step 0 is step `warmup_steps`
    pub then: S,
}

impl<S: Schedule> Schedule for WarmupThen<S> {
    fn lr(&self, t: usize) -> f64 {
        if t < self.warmup_steps {
            self.then.lr(0) * (t + 1) as f64 / (self.warmup_steps + 1) as f64
        } else {
            self.then.lr(t - self.warmup_steps)
        }
    }
}

/// `start + (end − start)·t/steps`, held at `end` after `steps`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearDecay {
    /// rate at step 0
    pub start: f64,
    /// rate at step `steps`
    pub end: f64,
    /// length of the ramp (treated as 1 if 0)
    pub steps: usize,
}

impl Schedule for LinearDecay {
    fn lr(&self, t: usize) -> f64 {
        let steps = self.steps.max(1);
        self.start + (self.end - self.start) * t.min(steps) as f64 / steps as f64
    }
}

/// micrograd's demo schedule, `1.0 − 0.9·k/steps`.
pub fn micrograd(steps: usize) -> LinearDecay {
    LinearDecay {
        start: 1.0,
        end: 0.1,
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micrograd_matches_its_formula() {
        let s = micrograd(100);
        for k in 0..100 {
            let expected = 1.0 - 0.9 * k as f64 / 100.0;
            assert!((s.lr(k) - expected).abs() < 1e-15, "k = {k}");
        }
    }

    #[test]
    fn warmup_ramps_then_hands_over() {
        let s = WarmupThen {
            warmup_steps: 3,
            then: Constant(0.4),
        };
        let lrs: Vec<f64> = (0..5).map(|t| s.lr(t)).collect();
        assert_eq!(lrs, [0.1, 0.2, 0.30000000000000004, 0.4, 0.4]);
    }

    #[test]
    fn cosine_holds_at_eta_min_after_t_max() {
        let s = CosineAnnealing {
            base: 1.0,
            t_max: 4,
            eta_min: 0.1,
        };
        assert_eq!(s.lr(4), 0.1);
        assert_eq!(s.lr(9), 0.1);
        assert!((s.lr(2) - 0.55).abs() < 1e-15);
    }
}
