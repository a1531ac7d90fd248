//! What a training run records per epoch, and how to write it out: CSV,
//! JSON, and the loss curve as an SVG image (`plot.rs`).

mod plot;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::checkpoint::write_atomically;
use crate::error::Result;

/// One epoch's numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRecord {
    /// epoch, from 0
    pub epoch: usize,
    /// learning rate used in the epoch's last step
    pub lr: f64,
    /// mean training loss over the epoch's samples (NaN if every batch was skipped)
    pub train_loss: f64,
    /// mean loss on the validation split, if there is one
    pub val_loss: Option<f64>,
    /// user metrics: `train_<name>` and `val_<name>`
    pub metrics: BTreeMap<String, f64>,
    /// batches skipped because of a NaN or infinite loss or gradient
    pub skipped_batches: usize,
    /// wall-clock seconds the epoch took
    pub seconds: f64,
}

/// Every epoch of a run, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// the epochs
    pub epochs: Vec<EpochRecord>,
    /// the epoch whose parameters early stopping put back at the end
    /// (`restore_best`), if it did; the loss curve marks it
    pub restored_epoch: Option<usize>,
}

impl History {
    /// The last epoch, if any.
    pub fn last(&self) -> Option<&EpochRecord> {
        self.epochs.last()
    }

    /// Training losses, one per epoch.
    pub fn train_losses(&self) -> Vec<f64> {
        self.epochs.iter().map(|e| e.train_loss).collect()
    }

    /// Validation losses, one per epoch (empty without a validation split).
    pub fn val_losses(&self) -> Vec<f64> {
        self.epochs.iter().filter_map(|e| e.val_loss).collect()
    }

    fn metric_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .epochs
            .iter()
            .flat_map(|e| e.metrics.keys().map(String::as_str))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The history as CSV: `epoch,lr,train_loss,val_loss,<metrics…>,skipped_batches,seconds`;
    /// a missing value is an empty field.
    pub fn to_csv(&self) -> String {
        let metrics = self.metric_names();
        let mut out = String::from("epoch,lr,train_loss,val_loss");
        for m in &metrics {
            out.push(',');
            out.push_str(m);
        }
        out.push_str(",skipped_batches,seconds\n");
        let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
        for e in &self.epochs {
            let _ = write!(
                out,
                "{},{},{},{}",
                e.epoch,
                e.lr,
                e.train_loss,
                opt(e.val_loss)
            );
            for m in &metrics {
                let _ = write!(out, ",{}", opt(e.metrics.get(*m).copied()));
            }
            let _ = writeln!(out, ",{},{}", e.skipped_batches, e.seconds);
        }
        out
    }

    /// The history as a JSON array of objects, one per epoch (NaN and
    /// infinities become `null`).
    pub fn to_json(&self) -> String {
        let num =
            |v: f64| serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into);
        let rows: Vec<serde_json::Value> = self
            .epochs
            .iter()
            .map(|e| {
                let mut o = serde_json::Map::new();
                o.insert("epoch".into(), e.epoch.into());
                o.insert("lr".into(), num(e.lr));
                o.insert("train_loss".into(), num(e.train_loss));
                o.insert(
                    "val_loss".into(),
                    e.val_loss.map_or(serde_json::Value::Null, num),
                );
                for (k, v) in &e.metrics {
                    o.insert(k.clone(), num(*v));
                }
                o.insert("skipped_batches".into(), e.skipped_batches.into());
                o.insert("seconds".into(), num(e.seconds));
                serde_json::Value::Object(o)
            })
            .collect();
        serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".to_owned())
    }

    /// Writes [`History::to_csv`] to `path` (atomically).
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomically(path.as_ref(), self.to_csv().as_bytes())
    }

    /// Writes [`History::to_json`] to `path` (atomically).
    pub fn write_json(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomically(path.as_ref(), self.to_json().as_bytes())
    }

    /// The loss curves (training, and validation if recorded) as an SVG
    /// image of `width × height` pixels, drawn with plotters. The loss axis
    /// is logarithmic when the finite losses span more than a factor of 100;
    /// the epoch early stopping restored ([`History::restored_epoch`]) is
    /// marked with a dashed line and a dot on the monitored curve. A history
    /// with no finite loss is an error.
    pub fn loss_curve_svg(&self, width: u32, height: u32) -> Result<String> {
        let val: Vec<f64> = self
            .epochs
            .iter()
            .map(|e| e.val_loss.unwrap_or(f64::NAN))
            .collect();
        plot::loss_curves(
            &self.train_losses(),
            &val,
            self.restored_epoch,
            (width, height),
        )
    }

    /// Writes [`History::loss_curve_svg`] (800 × 500) to `path` (atomically).
    pub fn write_loss_curve_svg(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomically(path.as_ref(), self.loss_curve_svg(800, 500)?.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> History {
        let rec = |epoch: usize, loss: f64, val: Option<f64>| EpochRecord {
            epoch,
            lr: 0.1,
            train_loss: loss,
            val_loss: val,
            metrics: [("train_acc".to_owned(), 0.5 + epoch as f64 / 10.0)]
                .into_iter()
                .collect(),
            skipped_batches: 0,
            seconds: 0.25,
        };
        History {
            epochs: vec![rec(0, 1.0, Some(1.5)), rec(1, 0.5, None)],
            restored_epoch: None,
        }
    }

    #[test]
    fn csv_has_one_row_per_epoch_and_blank_missing_values() {
        let csv = sample().to_csv();
        assert_eq!(
            csv,
            "epoch,lr,train_loss,val_loss,train_acc,skipped_batches,seconds\n\
             0,0.1,1,1.5,0.5,0,0.25\n\
             1,0.1,0.5,,0.6,0,0.25\n"
        );
    }

    #[test]
    fn json_round_trips_through_serde_json() {
        let v: serde_json::Value = serde_json::from_str(&sample().to_json()).unwrap();
        assert_eq!(v[1]["train_loss"], 0.5);
        assert!(v[1]["val_loss"].is_null());
        assert_eq!(v[0]["train_acc"], 0.5);
    }

    #[test]
    fn svg_has_both_curves() {
        let svg = sample().loss_curve_svg(400, 300).unwrap();
        assert!(
            svg.starts_with("<svg")
                && svg.contains("train loss")
                && svg.contains("validation loss")
        );
        assert!(History::default().loss_curve_svg(10, 10).is_err());
    }
}
