//! Optimizers with PyTorch's `torch.optim` update equations.
//!
//! Each optimizer is two layers:
//! - a **pure update rule** over flat slices ([`sgd::sgd_update`],
//!   [`adam::adam_update`], [`rmsprop::rmsprop_update`],
//!   [`adagrad::adagrad_update`]), testable without a model;
//! - a struct implementing [`Optimizer`] that walks [`Params`] with
//!   [`Params::visit_with_grad`] and keeps per-parameter state (momentum
//!   buffers, moment estimates, step counts) **keyed by the parameter's
//!   dotted name**.
//!
//! A step is all-or-nothing: it first walks the parameters and gradient
//! checking structure (gradient lengths, state sizes, duplicate names) and
//! only then updates, so a failed step leaves every parameter as it was.
//! A gradient that does not match is an error naming the parameter, never a
//! silent skip.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::params::{for_each_with_grad, Params};

/// Writes `new` and `config` and the [`Optimizer`] impl of an optimizer
/// struct `$ty<T> { cfg: $cfg, state: StateMap<…> }`: a step validates the
/// structure through [`StateMap::step`], making a parameter's state with
/// `$init` on first sight and applying `$update` (the pure update rule) to
/// each parameter, with the configuration bound to `$c`.
macro_rules! stateful_optimizer {
    (
        $ty:ident, $cfg:ty,
        init: |$c:ident, $len:ident| $init:expr,
        update: |$p:ident, $g:ident, $s:ident| $update:expr $(,)?
    ) => {
        impl<T: Float> $ty<T> {
            #[doc = concat!("An optimizer with these hyper-parameters, after [`", stringify!($cfg), "::validate`].")]
            pub fn new(cfg: $cfg) -> Result<Self> {
                cfg.validate()?;
                Ok(Self {
                    cfg,
                    state: StateMap::default(),
                })
            }

            /// The hyper-parameters.
            pub fn config(&self) -> &$cfg {
                &self.cfg
            }
        }

        impl<T: Float> Optimizer<T> for $ty<T> {
            fn step<P>(&mut self, params: &mut P, grad: &P::Gradient) -> Result<()>
            where
                P: Params<Scalar = T> + ?Sized,
            {
                let $c = self.cfg;
                self.state
                    .step(params, grad, |$len| $init, |$p, $g, $s| $update)
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
    };
}

pub mod adagrad;
pub mod adam;
pub mod rmsprop;
pub mod sgd;

pub use adagrad::{Adagrad, AdagradConfig};
pub use adam::{Adam, AdamConfig, AdamW};
pub use rmsprop::{RmsProp, RmsPropConfig};
pub use sgd::{Sgd, SgdConfig};

/// Something that updates parameters from their gradient.
pub trait Optimizer<T: Float> {
    /// Applies one update to `params` using `grad` (see the module docs for
    /// the all-or-nothing guarantee).
    fn step<P>(&mut self, params: &mut P, grad: &P::Gradient) -> Result<()>
    where
        P: Params<Scalar = T> + ?Sized;

    /// The learning rate the next step uses.
    fn learning_rate(&self) -> f64;

    /// Sets the learning rate for the following steps (what schedules call).
    fn set_learning_rate(&mut self, lr: f64);

    /// Forgets all per-parameter state, as a freshly built optimizer.
    fn reset(&mut self);
}

/// Per-parameter optimizer state: something with a number of elements.
pub(crate) trait State {
    /// Elements of the parameter this state belongs to.
    fn len(&self) -> usize;
}

/// Optimizer state keyed by parameter name.
#[derive(Debug, Clone)]
pub(crate) struct StateMap<S> {
    slots: HashMap<String, Slot<S>>,
    /// Counts steps; a slot touched twice in one step means two parameters
    /// share a name.
    tick: u64,
}

#[derive(Debug, Clone)]
struct Slot<S> {
    state: S,
    tick: u64,
}

impl<S> Default for StateMap<S> {
    fn default() -> Self {
        Self {
            slots: HashMap::new(),
            tick: 0,
        }
    }
}

impl<S: State> StateMap<S> {
    /// Runs one all-or-nothing step: a checking walk, then `update` on every
    /// leaf with its state (created by `init(len)` on first sight).
    pub(crate) fn step<P, T>(
        &mut self,
        params: &mut P,
        grad: &P::Gradient,
        init: impl Fn(usize) -> S,
        mut update: impl FnMut(&mut [T], &[T], &mut S),
    ) -> Result<()>
    where
        T: Float,
        P: Params<Scalar = T> + ?Sized,
    {
        // Pass 1: structure only. Gradient lengths are checked by the visit
        // itself; here, state sizes and name uniqueness.
        self.tick += 1;
        let tick = self.tick;
        let slots = &mut self.slots;
        for_each_with_grad(params, grad, |leaf| {
            if let Some(slot) = slots.get_mut(leaf.name) {
                if slot.tick == tick {
                    return Err(Error::DuplicateName {
                        name: leaf.name.to_owned(),
                    });
                }
                slot.tick = tick;
                if slot.state.len() != leaf.param.len() {
                    return Err(Error::StateMismatch {
                        name: leaf.name.to_owned(),
                        state: slot.state.len(),
                        param: leaf.param.len(),
                    });
                }
            } else {
                slots.insert(
                    leaf.name.to_owned(),
                    Slot {
                        state: init(leaf.param.len()),
                        tick,
                    },
                );
            }
            Ok(())
        })?;
        // Pass 2: the update; every lookup succeeds after pass 1.
        for_each_with_grad(params, grad, |leaf| {
            let slot = slots
                .get_mut(leaf.name)
                .expect("pass 1 created a state slot for every parameter name");
            update(leaf.param, leaf.grad, &mut slot.state);
            Ok(())
        })
    }

    pub(crate) fn clear(&mut self) {
        self.slots.clear();
    }

    /// The state kept for parameter `name`, if any.
    pub(crate) fn get(&self, name: &str) -> Option<&S> {
        self.slots.get(name).map(|s| &s.state)
    }
}

/// Fails with [`Error::InvalidConfig`] unless `ok`.
pub(crate) fn require(ok: bool, what: &'static str, message: impl Into<String>) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidConfig {
            what,
            message: message.into(),
        })
    }
}

/// Checks the slice lengths a pure update rule is given.
#[track_caller]
pub(crate) fn assert_same_len(what: &str, expected: usize, found: usize) {
    assert_eq!(
        expected, found,
        "`{what}` has {found} elements, the parameter has {expected}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatched_gradient_is_an_error_and_changes_nothing() {
        // "0" is fine and visited first; "1" has a short gradient. The step
        // must fail naming "1" and leave "0" untouched too.
        let mut p = ([1.0_f64, 2.0], vec![3.0_f64, 4.0]);
        let g = ([1.0_f64, 1.0], vec![1.0_f64]);
        let mut opt = Adam::with_lr(0.1);
        let err = opt.step(&mut p, &g).unwrap_err();
        assert!(
            matches!(&err, Error::GradientShape { name, expected: 2, found: 1 } if name == "1"),
            "{err}"
        );
        assert_eq!(p, ([1.0, 2.0], vec![3.0, 4.0]));
    }

    #[test]
    fn state_is_keyed_by_name_and_checked_against_the_parameter() {
        let mut opt = Sgd::new(SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            ..SgdConfig::default()
        })
        .unwrap();
        let mut p = vec![1.0_f64, 2.0];
        opt.step(&mut p, &vec![1.0, 1.0]).unwrap();
        assert_eq!(
            opt.momentum_buffer(crate::params::ROOT_NAME),
            Some(&[1.0, 1.0][..])
        );
        let mut grown = vec![1.0_f64, 2.0, 3.0];
        let err = opt.step(&mut grown, &vec![1.0; 3]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::StateMismatch {
                    state: 2,
                    param: 3,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(grown, [1.0, 2.0, 3.0]);
        opt.reset();
        opt.step(&mut grown, &vec![1.0; 3]).unwrap();
    }
}
