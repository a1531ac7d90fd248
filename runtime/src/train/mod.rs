//! A small training loop: epochs, seeded mini-batches, a progress bar,
//! per-epoch metrics, a validation split, early stopping and callbacks.
//!
//! The loop is a convenience, not a framework: everything it does is a few
//! calls to [`Optimizer::step`], [`crate::schedule`] and [`crate::clip`]
//! that a hand-written loop can make as well.
//!
//! Two entry points:
//!
//! - [`Trainer::fit_network`] trains a network declared with
//!   `grad! { struct … }` (it implements [`Network`]): the data set's rows
//!   are converted to the network's input arrays once, batches are gathered
//!   into reused buffers, the gradient buffer is reused (each batch
//!   overwrites it), and validation computes the loss without a backward
//!   pass;
//! - [`Trainer::fit`] takes a function `loss_and_grad(&params, &batch) ->
//!   Result<(loss, gradient)>` returning a fresh gradient, typically
//!   [`batch_mean`] over a generated per-sample `*_grad` function; its
//!   validation calls the same function and discards the gradient.
//!
//! **Progress** ([`Progress`]): a bar on a terminal, one line per epoch with
//! the loss and metrics off a terminal (CI, a log file).
//!
//! **Non-finite values.** Parameters must be finite when training starts
//! ([`Error::NotFinite`] naming the first bad one otherwise). A NaN or
//! infinite loss or gradient stops training with [`Error::NonFinite`]
//! naming the epoch and step (and the gradient tensor); the check runs
//! *before* the optimizer step, so the parameters are exactly as they were
//! before the bad batch. With [`TrainConfig::skip_non_finite`] the batch is
//! skipped and counted instead.
//!
//! A finite gradient can still make a parameter overflow (a learning rate
//! of `1e300`), so the parameters are checked *after* every step too. A
//! non-finite parameter stops training with [`Error::NonFinite`] naming
//! the epoch, step and parameter (`parameter \`l1.weight\` after the
//! optimizer step`), and the parameters are put back to their values before
//! that step (the loop copies them before each step, one pass); this
//! is an error even with `skip_non_finite`, since it points at the
//! optimizer's settings rather than at one batch. The optimizer's own state
//! (momentum, moment estimates, step counts) is not rolled back: it has
//! taken in that step's gradient, which was finite; call
//! [`Optimizer::reset`] before training on if that matters. So the
//! parameters a failed `fit` leaves, and those early stopping restores,
//! are always finite.
//!
//! ```
//! use macrograd_runtime::data::make_regression;
//! use macrograd_runtime::data::synthetic::RegressionConfig;
//! use macrograd_runtime::optim::Sgd;
//! use macrograd_runtime::train::{batch_mean, TrainConfig, Trainer};
//!
//! let cfg = RegressionConfig { n_samples: 64, n_features: 2, n_informative: 2, ..Default::default() };
//! let (data, _) = make_regression::<f64>(&cfg, 1).unwrap();
//! // params = (w, b); per-sample loss (w·x + b − y)² with its gradient
//! let grad = |p: &([f64; 2], f64), x: &[f64], y: &[f64]| {
//!     let r = p.0[0] * x[0] + p.0[1] * x[1] + p.1 - y[0];
//!     (r * r, ([2.0 * r * x[0], 2.0 * r * x[1]], 2.0 * r))
//! };
//! let mut params = ([0.0; 2], 0.0);
//! let config = TrainConfig { epochs: 50, batch_size: 8, ..TrainConfig::default() };
//! let mut trainer = Trainer::new(Sgd::with_lr(0.05), config);
//! let history = trainer
//!     .fit(&mut params, &data, |p, batch| batch_mean(p, batch, grad))
//!     .unwrap();
//! assert!(history.last().unwrap().train_loss < 1e-6);
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Instant;

use crate::clip::clip_grad_norm;
use crate::data::{train_test_split, Dataset};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::history::{EpochRecord, History};
use crate::optim::Optimizer;
use crate::params::{first_non_finite, for_each, unflatten, Params};
use crate::rng;
use crate::schedule::Schedule;

mod batch;
mod network;
mod progress;
pub use batch::{accuracy, batch_mean, Batch};
pub use network::{FromRow, Network};
pub use progress::Progress;

use network::Typed;
use progress::Reporter;

/// A metric: a number computed from the parameters on a batch (e.g. accuracy).
pub type MetricFn<'a, P> = Box<dyn FnMut(&P, &Batch<'_, <P as Params>::Scalar>) -> f64 + 'a>;

/// A callback, run after every epoch; [`Control::Stop`] ends training.
pub type CallbackFn<'a, P> = Box<dyn FnMut(&EpochRecord, &P) -> Result<Control> + 'a>;

/// What a callback wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// keep training
    Continue,
    /// stop after this epoch
    Stop,
}

/// Stop when the monitored loss (validation if there is a split, else
/// training) has not improved by more than `min_delta` for `patience` epochs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlyStopping {
    /// epochs without improvement tolerated
    pub patience: usize,
    /// smallest decrease that counts as an improvement
    pub min_delta: f64,
    /// put back the parameters of the best epoch when stopping or finishing
    pub restore_best: bool,
}

/// Options of [`Trainer::fit`]; `Default` is 10 epochs of batches of 32, shuffled with seed 0.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// passes over the training data (`10`)
    pub epochs: usize,
    /// samples per step; the last batch may be smaller (`32`)
    pub batch_size: usize,
    /// shuffle the training rows every epoch (`true`)
    pub shuffle: bool,
    /// seed of the shuffles and of the validation split (`0`)
    pub seed: u64,
    /// fraction of the data held out for validation, 0 for none (`0`)
    pub validation_fraction: f64,
    /// early stopping (`None`)
    pub early_stopping: Option<EarlyStopping>,
    /// clip the gradient to this global L2 norm before each step (`None`)
    pub clip_norm: Option<f64>,
    /// skip batches with a NaN/infinite loss or gradient instead of failing (`false`)
    pub skip_non_finite: bool,
    /// progress: a bar on a terminal, lines per epoch elsewhere (`Auto`)
    pub progress: Progress,
    /// call the schedule with the global step instead of the epoch (`false`)
    pub schedule_per_step: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 10,
            batch_size: 32,
            shuffle: true,
            seed: 0,
            validation_fraction: 0.0,
            early_stopping: None,
            clip_norm: None,
            skip_non_finite: false,
            progress: Progress::Auto,
            schedule_per_step: false,
        }
    }
}

/// The training loop: an optimizer, options, and optional schedule, metrics
/// and callbacks. See the [module docs](self).
pub struct Trainer<'a, P: Params, O> {
    /// the options
    pub config: TrainConfig,
    /// the optimizer (its state persists across `fit` calls)
    pub optimizer: O,
    schedule: Option<Box<dyn Schedule + 'a>>,
    metrics: Vec<(String, MetricFn<'a, P>)>,
    callbacks: Vec<CallbackFn<'a, P>>,
    history: History,
}

impl<'a, P, O> Trainer<'a, P, O>
where
    P: Params + Clone,
    O: Optimizer<P::Scalar>,
{
    /// A trainer with `optimizer` and `config`.
    pub fn new(optimizer: O, config: TrainConfig) -> Self {
        Self {
            config,
            optimizer,
            schedule: None,
            metrics: Vec::new(),
            callbacks: Vec::new(),
            history: History::default(),
        }
    }

    /// Sets the learning-rate schedule, called with the epoch (or the global
    /// step with [`TrainConfig::schedule_per_step`]) before it starts.
    pub fn schedule(mut self, schedule: impl Schedule + 'a) -> Self {
        self.schedule = Some(Box::new(schedule));
        self
    }

    /// Adds a metric, computed after every epoch on the whole training set
    /// (`train_<name>`) and validation set (`val_<name>`).
    pub fn metric(
        mut self,
        name: &str,
        f: impl FnMut(&P, &Batch<'_, P::Scalar>) -> f64 + 'a,
    ) -> Self {
        self.metrics.push((name.to_owned(), Box::new(f)));
        self
    }

    /// Adds a callback, run after every epoch with its record and the parameters.
    pub fn callback(mut self, f: impl FnMut(&EpochRecord, &P) -> Result<Control> + 'a) -> Self {
        self.callbacks.push(Box::new(f));
        self
    }

    /// The epochs recorded so far, also after `fit` returned an error.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Trains `params` on `data` with a function returning the mean loss
    /// and a fresh mean gradient of a batch; returns the history of this
    /// call. Validation (with [`TrainConfig::validation_fraction`]) calls
    /// the same function and discards the gradient.
    pub fn fit(
        &mut self,
        params: &mut P,
        data: &Dataset<P::Scalar>,
        loss_and_grad: impl FnMut(&P, &Batch<'_, P::Scalar>) -> Result<(P::Scalar, P::Gradient)>,
    ) -> Result<History> {
        let (train, val) = self.split(data)?;
        let mut objective = Closure {
            f: loss_and_grad,
            train: &train,
            val: val.as_ref(),
            grad: None,
        };
        self.run(params, &train, val.as_ref(), &mut objective)
    }

    /// The training and validation sets of `data`, checked.
    fn split<'d>(&self, data: &'d Dataset<P::Scalar>) -> Result<Split<'d, P::Scalar>> {
        let cfg = &self.config;
        if cfg.batch_size == 0 {
            return Err(Error::InvalidConfig {
                what: "batch size",
                message: "must be at least 1".into(),
            });
        }
        // Borrow the data unless a validation split needs new sets.
        let (train, val) = if cfg.validation_fraction > 0.0 {
            let (t, v) = train_test_split(data, cfg.validation_fraction, cfg.seed)?;
            (Cow::Owned(t), Some(v).filter(|v| !v.is_empty()))
        } else {
            (Cow::Borrowed(data), None)
        };
        if train.is_empty() {
            return Err(Error::Data("no training samples".into()));
        }
        Ok((train, val))
    }

    /// The loop itself: epochs of batches through `objective`, then
    /// validation, metrics, callbacks and early stopping.
    fn run(
        &mut self,
        params: &mut P,
        train: &Dataset<P::Scalar>,
        val: Option<&Dataset<P::Scalar>>,
        objective: &mut impl Objective<P>,
    ) -> Result<History> {
        let cfg = self.config.clone();
        if let Some(name) = first_non_finite(params) {
            return Err(Error::NotFinite { name });
        }
        self.history = History::default();
        let steps_per_epoch = train.len().div_ceil(cfg.batch_size);
        let mut report = Reporter::new(
            cfg.progress,
            cfg.epochs,
            steps_per_epoch,
            cfg.early_stopping.is_some(),
        );
        let result = self.epochs(params, train, val, objective, &mut report);
        match &result {
            Ok(stopped_early) => report.finish(self.history.last(), *stopped_early),
            Err(_) => report.abandon(),
        }
        result.map(|_| self.history.clone())
    }

    /// The epochs; `Ok(true)` if training stopped before the last one.
    fn epochs(
        &mut self,
        params: &mut P,
        train: &Dataset<P::Scalar>,
        val: Option<&Dataset<P::Scalar>>,
        objective: &mut impl Objective<P>,
        report: &mut Reporter,
    ) -> Result<bool> {
        let cfg = self.config.clone();
        let steps_per_epoch = train.len().div_ceil(cfg.batch_size);
        let mut shuffler = rng::seeded(cfg.seed.wrapping_add(1));
        let mut best: Option<(f64, usize, Option<P>)> = None;
        let mut order: Vec<usize> = (0..train.len()).collect();
        let mut stopped_early = false;
        // The parameters before the current step, to undo a step that
        // makes one non-finite; reused, so it allocates once.
        let mut before: Vec<P::Scalar> = Vec::new();

        for epoch in 0..cfg.epochs {
            let started = Instant::now();
            if cfg.shuffle {
                rng::shuffle(&mut shuffler, &mut order);
            }
            let (mut loss_sum, mut seen, mut skipped) = (0.0, 0usize, 0usize);
            for (step, indices) in order.chunks(cfg.batch_size).enumerate() {
                if let Some(s) = &self.schedule {
                    let t = if cfg.schedule_per_step {
                        epoch * steps_per_epoch + step
                    } else {
                        epoch
                    };
                    self.optimizer.set_learning_rate(s.lr(t));
                }
                let (loss, grad) = objective.train(params, indices)?;
                let bad = if !loss.is_finite() {
                    Some("loss".to_owned())
                } else {
                    first_non_finite(grad).map(|name| format!("gradient of `{name}`"))
                };
                if let Some(what) = bad {
                    if cfg.skip_non_finite {
                        skipped += 1;
                        report.skip();
                        continue;
                    }
                    return Err(Error::NonFinite { what, epoch, step });
                }
                if let Some(max_norm) = cfg.clip_norm {
                    // Finite components can still overflow the norm.
                    clip_grad_norm(grad, max_norm).map_err(|_| Error::NonFinite {
                        what: "gradient norm".into(),
                        epoch,
                        step,
                    })?;
                }
                copy_values(params, &mut before)?;
                self.optimizer.step(params, grad)?;
                if let Some(name) = first_non_finite(params) {
                    unflatten(params, &before)?;
                    return Err(Error::NonFinite {
                        what: format!("parameter `{name}` after the optimizer step"),
                        epoch,
                        step,
                    });
                }
                loss_sum += loss.to_f64() * indices.len() as f64;
                seen += indices.len();
                report.step(epoch, loss_sum / seen as f64);
            }

            let val_loss = match val {
                Some(v) => Some(objective.validation_loss(params, v.len(), cfg.batch_size)?),
                None => None,
            };
            let mut metrics = BTreeMap::new();
            let all_train: Vec<usize> = (0..train.len()).collect();
            for (name, f) in &mut self.metrics {
                metrics.insert(
                    format!("train_{name}"),
                    f(params, &Batch::new(train, &all_train)),
                );
                if let Some(v) = val {
                    let all: Vec<usize> = (0..v.len()).collect();
                    metrics.insert(format!("val_{name}"), f(params, &Batch::new(v, &all)));
                }
            }
            let record = EpochRecord {
                epoch,
                lr: self.optimizer.learning_rate(),
                train_loss: if seen > 0 {
                    loss_sum / seen as f64
                } else {
                    f64::NAN
                },
                val_loss,
                metrics,
                skipped_batches: skipped,
                seconds: started.elapsed().as_secs_f64(),
            };
            self.history.epochs.push(record.clone());
            report.epoch(&record);

            let mut stop = false;
            for cb in &mut self.callbacks {
                if cb(&record, params)? == Control::Stop {
                    stop = true;
                }
            }
            if let Some(es) = cfg.early_stopping {
                let monitored = record.val_loss.unwrap_or(record.train_loss);
                let improved = match &best {
                    None => monitored.is_finite(),
                    Some((b, _, _)) => monitored < b - es.min_delta,
                };
                if improved {
                    let snapshot = es.restore_best.then(|| params.clone());
                    best = Some((monitored, epoch, snapshot));
                } else if best
                    .as_ref()
                    .is_some_and(|(_, at, _)| epoch - at >= es.patience)
                {
                    stop = true;
                }
            }
            if stop {
                stopped_early = epoch + 1 < cfg.epochs;
                break;
            }
        }
        if let Some((_, at, Some(snapshot))) = best {
            *params = snapshot;
            self.history.restored_epoch = Some(at);
        }
        Ok(stopped_early)
    }
}

impl<'a, N, O> Trainer<'a, N, O>
where
    N: Network,
    O: Optimizer<N::Scalar>,
{
    /// Trains a network declared with `grad! { struct … }` on `data`;
    /// returns the history of this call.
    ///
    /// The rows are converted to the network's inputs and targets once
    /// ([`FromRow`]: features to `[F; N]`, targets to `F` or a `usize`
    /// class label), each batch is gathered into buffers reused across
    /// steps, its gradient overwrites one buffer, and validation computes
    /// the loss without a backward pass.
    ///
    /// # Errors
    ///
    /// [`Error::Data`] naming the row whose width does not fit the network,
    /// and every error of [`Trainer::fit`].
    pub fn fit_network(&mut self, net: &mut N, data: &Dataset<N::Scalar>) -> Result<History>
    where
        N::Input: FromRow<N::Scalar>,
        N::Target: FromRow<N::Scalar>,
    {
        let (train, val) = self.split(data)?;
        let typed_val = val
            .as_ref()
            .map(|v| Typed::new(v, "validation"))
            .transpose()?;
        let mut objective = NetworkObjective {
            train: Typed::new(&train, "training")?,
            val: typed_val,
            batch: (Vec::new(), Vec::new()),
            ws: N::Workspace::default(),
            grad: N::zeros(),
        };
        self.run(net, &train, val.as_ref(), &mut objective)
    }
}

/// The training set (borrowed when there is no validation split) and the
/// validation set.
type Split<'d, T> = (Cow<'d, Dataset<T>>, Option<Dataset<T>>);

/// What the loop asks of the model: a training batch's mean loss and
/// gradient, and the validation set's mean loss.
trait Objective<P: Params> {
    /// Mean loss and mean gradient over the training rows `indices`.
    fn train(&mut self, params: &P, indices: &[usize]) -> Result<(P::Scalar, &mut P::Gradient)>;

    /// Mean loss over the `len` validation rows, in chunks of `batch_size`.
    fn validation_loss(&mut self, params: &P, len: usize, batch_size: usize) -> Result<f64>;
}

/// [`Trainer::fit`]'s objective: a closure returning fresh gradients.
struct Closure<'d, F, T, G> {
    f: F,
    train: &'d Dataset<T>,
    val: Option<&'d Dataset<T>>,
    grad: Option<G>,
}

impl<P, F> Objective<P> for Closure<'_, F, P::Scalar, P::Gradient>
where
    P: Params,
    F: FnMut(&P, &Batch<'_, P::Scalar>) -> Result<(P::Scalar, P::Gradient)>,
{
    fn train(&mut self, params: &P, indices: &[usize]) -> Result<(P::Scalar, &mut P::Gradient)> {
        let (loss, grad) = (self.f)(params, &Batch::new(self.train, indices))?;
        Ok((loss, self.grad.insert(grad)))
    }

    fn validation_loss(&mut self, params: &P, len: usize, batch_size: usize) -> Result<f64> {
        let Some(val) = self.val else {
            return Ok(f64::NAN);
        };
        let all: Vec<usize> = (0..len).collect();
        let mut sum = 0.0;
        for chunk in all.chunks(batch_size) {
            sum += (self.f)(params, &Batch::new(val, chunk))?.0.to_f64() * chunk.len() as f64;
        }
        Ok(sum / len.max(1) as f64)
    }
}

/// [`Trainer::fit_network`]'s objective: typed rows, reused buffers.
struct NetworkObjective<N: Network> {
    train: Typed<N::Input, N::Target>,
    val: Option<Typed<N::Input, N::Target>>,
    batch: (Vec<N::Input>, Vec<N::Target>),
    ws: N::Workspace,
    grad: N,
}

impl<N: Network> Objective<N> for NetworkObjective<N> {
    fn train(&mut self, net: &N, indices: &[usize]) -> Result<(N::Scalar, &mut N)> {
        let (bx, by) = &mut self.batch;
        bx.clear();
        by.clear();
        bx.extend(indices.iter().map(|&i| self.train.xs[i]));
        by.extend(indices.iter().map(|&i| self.train.ys[i]));
        let loss = net.train_batch(&mut self.ws, bx, by, &mut self.grad)?;
        Ok((loss, &mut self.grad))
    }

    fn validation_loss(&mut self, net: &N, len: usize, batch_size: usize) -> Result<f64> {
        let Some(val) = &self.val else {
            return Ok(f64::NAN);
        };
        let mut sum = 0.0;
        for (xs, ys) in val.xs.chunks(batch_size).zip(val.ys.chunks(batch_size)) {
            sum += net.batch_loss(xs, ys)?.to_f64() * xs.len() as f64;
        }
        Ok(sum / len.max(1) as f64)
    }
}

/// Copies every value of `params` into `out`, in [`crate::params::flatten`]'s layout.
fn copy_values<P: Params>(params: &P, out: &mut Vec<P::Scalar>) -> Result<()> {
    out.clear();
    for_each(params, |leaf| {
        out.extend_from_slice(leaf.data);
        Ok(())
    })
}

#[cfg(test)]
mod tests;
