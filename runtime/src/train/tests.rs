//! Tests of the training loop.
use super::*;
use crate::optim::{Sgd, SgdConfig};

type Line = ([f64; 1], f64);

/// y = 3x − 1 on x = 0, 0.1, ..., 1.9.
fn line_data() -> Dataset<f64> {
    let x: Vec<f64> = (0..20).map(|i| f64::from(i) / 10.0).collect();
    let y = x.iter().map(|x| 3.0 * x - 1.0).collect();
    Dataset::new(x, 1, y, 1).unwrap()
}

fn sq(p: &Line, x: &[f64], y: &[f64]) -> (f64, Line) {
    let r = p.0[0] * x[0] + p.1 - y[0];
    (r * r, ([2.0 * r * x[0]], 2.0 * r))
}

fn quiet(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 4,
        progress: Progress::Off,
        ..TrainConfig::default()
    }
}

/// 50 epochs, a quarter held out, early stopping with patience 2 that
/// restores the best epoch.
fn restoring_early_stopping() -> TrainConfig {
    TrainConfig {
        validation_fraction: 0.25,
        early_stopping: Some(EarlyStopping {
            patience: 2,
            min_delta: 0.0,
            restore_best: true,
        }),
        ..quiet(50)
    }
}

#[test]
fn fits_a_line_and_is_reproducible() {
    let data = line_data();
    let run = || {
        let mut p: Line = ([0.0], 0.0);
        let mut t = Trainer::new(Sgd::with_lr(0.1), quiet(200));
        let h = t.fit(&mut p, &data, |p, b| batch_mean(p, b, sq)).unwrap();
        (p, h.train_losses())
    };
    let (p, losses) = run();
    assert!(
        (p.0[0] - 3.0).abs() < 1e-6 && (p.1 + 1.0).abs() < 1e-6,
        "{p:?}"
    );
    assert!(losses.first() > losses.last());
    assert_eq!(run().0, p, "same seed, same result");
}

#[test]
fn nan_loss_names_epoch_and_step_and_leaves_params() {
    let data = line_data();
    let mut calls = 0;
    let mut p: Line = ([0.0], 0.0);
    let mut snapshot = p;
    let mut t = Trainer::new(
        Sgd::with_lr(0.1),
        TrainConfig {
            shuffle: false,
            ..quiet(3)
        },
    );
    let err = t
        .fit(&mut p, &data, |p, b| {
            calls += 1;
            let (l, g) = batch_mean(p, b, sq)?;
            // the 8th batch (epoch 1, step 2) has a NaN gradient
            if calls == 8 {
                snapshot = *p;
                Ok((l, ([f64::NAN], g.1)))
            } else {
                Ok((l, g))
            }
        })
        .unwrap_err();
    assert!(
        matches!(&err, Error::NonFinite { what, epoch: 1, step: 2 } if what == "gradient of `0`"),
        "{err}"
    );
    assert_eq!(p, snapshot, "the bad step must not touch the parameters");
    assert_eq!(t.history().epochs.len(), 1);
}

#[test]
fn skip_non_finite_counts_skipped_batches() {
    let data = line_data();
    let mut calls = 0;
    let mut p: Line = ([0.0], 0.0);
    let cfg = TrainConfig {
        skip_non_finite: true,
        ..quiet(2)
    };
    let mut t = Trainer::new(Sgd::with_lr(0.1), cfg);
    let h = t
        .fit(&mut p, &data, |p, b| {
            calls += 1;
            let (l, g) = batch_mean(p, b, sq)?;
            Ok((if calls == 2 { f64::INFINITY } else { l }, g))
        })
        .unwrap();
    assert_eq!(h.epochs[0].skipped_batches, 1);
    assert_eq!(h.epochs[1].skipped_batches, 0);
}

#[test]
fn early_stopping_restores_the_best_epoch() {
    // A learning rate that diverges: the first epoch is the best one.
    let data = line_data();
    let mut p: Line = ([0.0], 0.0);
    let cfg = restoring_early_stopping();
    let mut first_epoch_params = None;
    let mut t = Trainer::new(
        Sgd::new(SgdConfig {
            lr: 0.9,
            ..SgdConfig::default()
        })
        .unwrap(),
        cfg,
    )
    .callback(|rec, p: &Line| {
        if rec.epoch == 0 {
            first_epoch_params = Some(*p);
        }
        Ok(Control::Continue)
    });
    let h = t.fit(&mut p, &data, |p, b| batch_mean(p, b, sq)).unwrap();
    drop(t);
    assert_eq!(
        h.epochs.len(),
        3,
        "stops after `patience` epochs without improvement"
    );
    let vals = h.val_losses();
    assert!(vals[1] > vals[0] && vals[2] > vals[0], "{vals:?}");
    assert_eq!(Some(p), first_epoch_params);
}

#[test]
fn metrics_callbacks_and_schedule() {
    let data = line_data();
    let mut p: Line = ([0.0], 0.0);
    let mut lrs = Vec::new();
    let mut t = Trainer::new(Sgd::with_lr(1.0), quiet(5))
        .schedule(|epoch: usize| 0.1 / (epoch + 1) as f64)
        .metric("max_err", |p: &Line, b: &Batch<'_, f64>| {
            b.iter()
                .map(|(x, y)| (p.0[0] * x[0] + p.1 - y[0]).abs())
                .fold(0.0, f64::max)
        })
        .callback(|rec, _| {
            lrs.push(rec.lr);
            Ok(if rec.epoch == 3 {
                Control::Stop
            } else {
                Control::Continue
            })
        });
    let h = t.fit(&mut p, &data, |p, b| batch_mean(p, b, sq)).unwrap();
    drop(t);
    assert_eq!(h.epochs.len(), 4);
    assert_eq!(lrs, [0.1, 0.05, 0.1 / 3.0, 0.025]);
    assert!(h
        .epochs
        .iter()
        .all(|e| e.metrics.contains_key("train_max_err")));
}

/// The line as a network, written by hand as `grad!` would write it: the
/// batch methods overwrite the gradient; counts the passes it runs.
impl Network for Line {
    type Input = [f64; 1];
    type Target = f64;
    type Workspace = ();
    fn zeros() -> Self {
        ([0.0], 0.0)
    }
    fn batch_loss(&self, xs: &[[f64; 1]], ys: &[f64]) -> Result<f64> {
        crate::nn::check_batch("batch_loss", xs.len(), ys.len())?;
        LOSS_ONLY.with(|c| c.set(c.get() + 1));
        let sum: f64 = xs.iter().zip(ys).map(|(x, y)| sq(self, x, &[*y]).0).sum();
        Ok(sum / xs.len() as f64)
    }
    fn train_batch(&self, _: &mut (), xs: &[[f64; 1]], ys: &[f64], grad: &mut Self) -> Result<f64> {
        crate::nn::check_batch("batch_backward", xs.len(), ys.len())?;
        BACKWARD.with(|c| c.set(c.get() + 1));
        let n = xs.len() as f64;
        let (mut loss, mut g) = (0.0, ([0.0], 0.0));
        for (x, y) in xs.iter().zip(ys) {
            let (l, d) = sq(self, x, &[*y]);
            loss += l / n;
            g.0[0] += d.0[0] / n;
            g.1 += d.1 / n;
        }
        *grad = g;
        Ok(loss)
    }
}

thread_local! {
    static BACKWARD: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    static LOSS_ONLY: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[test]
fn fit_network_matches_fit_and_validates_without_backward() {
    let data = line_data();
    let cfg = TrainConfig {
        validation_fraction: 0.25,
        ..quiet(30)
    };
    let mut by_closure: Line = ([0.0], 0.0);
    let mut t = Trainer::new(Sgd::with_lr(0.1), cfg.clone());
    let h1 = t
        .fit(&mut by_closure, &data, |p, b| batch_mean(p, b, sq))
        .unwrap();
    let mut by_network: Line = ([0.0], 0.0);
    let mut t = Trainer::new(Sgd::with_lr(0.1), cfg);
    let (b0, l0) = (BACKWARD.with(|c| c.get()), LOSS_ONLY.with(|c| c.get()));
    let h2 = t.fit_network(&mut by_network, &data).unwrap();
    let backward = BACKWARD.with(|c| c.get()) - b0;
    let loss_only = LOSS_ONLY.with(|c| c.get()) - l0;
    // 15 training rows in batches of 4: 4 steps per epoch, all backward;
    // 5 validation rows in batches of 4: 2 loss-only calls per epoch
    assert_eq!((backward, loss_only), (30 * 4, 30 * 2));
    assert!(
        (by_network.0[0] - by_closure.0[0]).abs() < 1e-12,
        "{by_network:?} {by_closure:?}"
    );
    assert!((by_network.1 - by_closure.1).abs() < 1e-12);
    for (a, b) in h1.val_losses().iter().zip(h2.val_losses()) {
        assert!((a - b).abs() < 1e-12, "{a} {b}");
    }
}

#[test]
fn fit_network_names_a_row_that_does_not_fit() {
    let data = Dataset::new(vec![1.0, 2.0, 3.0, 4.0], 2, vec![0.0, 1.0], 1).unwrap();
    let mut p: Line = ([0.0], 0.0);
    let err = Trainer::new(Sgd::with_lr(0.1), quiet(1))
        .fit_network(&mut p, &data)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid data: training row 0: features: 2 values, the network takes 1"
    );
}

#[test]
fn early_stopping_records_the_restored_epoch() {
    let data = line_data();
    let mut p: Line = ([0.0], 0.0);
    let cfg = restoring_early_stopping();
    let mut t = Trainer::new(
        Sgd::new(SgdConfig {
            lr: 0.9,
            ..SgdConfig::default()
        })
        .unwrap(),
        cfg,
    );
    let h = t.fit_network(&mut p, &data).unwrap();
    assert_eq!((h.epochs.len(), h.restored_epoch), (3, Some(0)));
}

#[test]
fn a_step_that_makes_a_parameter_non_finite_is_undone() {
    // Finite gradients; with a learning rate of 1e300 the third step
    // moves the bias by −1e310, which overflows to −∞.
    let data = line_data();
    let mut calls = 0;
    let mut p: Line = ([0.0], 0.0);
    let mut before_bad_step = p;
    let cfg = TrainConfig {
        shuffle: false,
        // not a bad batch: still an error
        skip_non_finite: true,
        ..quiet(3)
    };
    let mut t = Trainer::new(Sgd::with_lr(1e300), cfg);
    let err = t
        .fit(&mut p, &data, |p, _| {
            calls += 1;
            before_bad_step = *p;
            Ok((1.0, ([0.0], if calls == 3 { 1e10 } else { 1e-300 })))
        })
        .unwrap_err();
    assert!(
        matches!(&err, Error::NonFinite { what, epoch: 0, step: 2 }
            if what == "parameter `1` after the optimizer step"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "non-finite parameter `1` after the optimizer step at epoch 0, step 2; parameters are as before this step"
    );
    assert_eq!(p, ([0.0], -2.0));
    assert_eq!(p, before_bad_step);
}

#[test]
fn early_stopping_never_keeps_non_finite_weights() {
    // The loss keeps improving while the second epoch's first step drives
    // the weight to −∞: a best-epoch snapshot must not be taken of it.
    let data = line_data();
    let mut calls = 0;
    let mut p: Line = ([0.0], 0.0);
    let cfg = TrainConfig {
        early_stopping: Some(EarlyStopping {
            patience: 5,
            min_delta: 0.0,
            restore_best: true,
        }),
        ..quiet(4)
    };
    let mut t = Trainer::new(Sgd::with_lr(1e300), cfg);
    let result = t.fit(&mut p, &data, |_, _| {
        calls += 1;
        let g = if calls == 6 { 1e10 } else { 0.0 };
        Ok((1.0 / f64::from(calls), ([g], 0.0)))
    });
    assert!(p.0[0].is_finite() && p.1.is_finite(), "{p:?}");
    let err = result.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::NonFinite {
                epoch: 1,
                step: 0,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn non_finite_initial_parameters_are_an_error() {
    let data = line_data();
    let mut p: Line = ([1.0], f64::NEG_INFINITY);
    let mut t = Trainer::new(Sgd::with_lr(0.1), quiet(1));
    let err = t
        .fit(&mut p, &data, |_, _| unreachable!("no step may run"))
        .unwrap_err();
    assert_eq!(err.to_string(), "non-finite value in `1`");
}
