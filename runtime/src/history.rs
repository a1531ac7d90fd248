//! What a training run records per epoch, and how to write it out: CSV,
//! JSON, and the loss curve as an SVG image (written directly, no plotting
//! dependency).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::checkpoint::write_atomically;
use crate::error::{Error, Result};

/// A short axis label: about 4 significant digits, scientific when large or tiny.
fn tick(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        return "0".to_owned();
    }
    if !(1e-3..1e5).contains(&a) {
        return format!("{v:.2e}");
    }
    let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

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
    /// image, `width × height` pixels, linear axes.
    pub fn loss_curve_svg(&self, width: u32, height: u32) -> Result<String> {
        let train = self.train_losses();
        let val: Vec<f64> = self
            .epochs
            .iter()
            .map(|e| e.val_loss.unwrap_or(f64::NAN))
            .collect();
        let finite = train.iter().chain(&val).copied().filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        if !lo.is_finite() {
            return Err(Error::Data("no finite loss to plot".into()));
        }
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo - 0.5, hi + 0.5)
        };
        // Losses often span orders of magnitude: then the axis is logarithmic.
        let log = lo > 0.0 && hi / lo > 100.0;
        let scale = |v: f64| if log { v.log10() } else { v };
        let (s_lo, s_hi) = (scale(lo), scale(hi));
        let (w, h) = (f64::from(width), f64::from(height));
        let (left, right, top, bottom) = (80.0, 20.0, 20.0, 40.0);
        let n = train.len().max(2) - 1;
        let x = |i: usize| left + (w - left - right) * i as f64 / n as f64;
        let y = |v: f64| top + (h - top - bottom) * (s_hi - scale(v)) / (s_hi - s_lo);
        let path = |vals: &[f64]| {
            let mut d = String::new();
            let mut pen_up = true;
            for (i, &v) in vals.iter().enumerate() {
                if v.is_finite() {
                    let _ = write!(
                        d,
                        "{}{:.2},{:.2} ",
                        if pen_up { "M" } else { "L" },
                        x(i),
                        y(v)
                    );
                    pen_up = false;
                } else {
                    pen_up = true;
                }
            }
            d
        };
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
        let _ = writeln!(
            svg,
            r#"<path d="M{left},{top} L{left},{} L{},{}" stroke="black" fill="none"/>"#,
            h - bottom,
            w - right,
            h - bottom
        );
        for k in 0..=4 {
            let sv = s_lo + (s_hi - s_lo) * f64::from(k) / 4.0;
            let v = if log { 10f64.powf(sv) } else { sv };
            let _ = writeln!(
                svg,
                r#"<text x="{}" y="{:.2}" text-anchor="end">{}</text>"#,
                left - 6.0,
                y(v) + 4.0,
                tick(v)
            );
        }
        let _ = writeln!(
            svg,
            r#"<text x="14" y="{}" transform="rotate(-90 14 {})" text-anchor="middle">{}</text>"#,
            h / 2.0,
            h / 2.0,
            if log { "loss (log scale)" } else { "loss" }
        );
        let _ = writeln!(
            svg,
            r#"<text x="{left}" y="{}">0</text>"#,
            h - bottom + 16.0
        );
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{n}</text>"#,
            w - right,
            h - bottom + 16.0
        );
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle">epoch</text>"#,
            w / 2.0,
            h - 8.0
        );
        let _ = writeln!(
            svg,
            r##"<path d="{}" stroke="#1f77b4" stroke-width="2" fill="none"/>"##,
            path(&train)
        );
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" fill="#1f77b4" text-anchor="end">train loss</text>"##,
            w - right,
            top + 12.0
        );
        if val.iter().any(|v| v.is_finite()) {
            let _ = writeln!(
                svg,
                r##"<path d="{}" stroke="#ff7f0e" stroke-width="2" fill="none"/>"##,
                path(&val)
            );
            let _ = writeln!(
                svg,
                r##"<text x="{}" y="{}" fill="#ff7f0e" text-anchor="end">validation loss</text>"##,
                w - right,
                top + 28.0
            );
        }
        svg.push_str("</svg>\n");
        Ok(svg)
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
    fn ticks_are_short() {
        let t: Vec<String> = [10209.105, 2818.5092, 59.3082, 0.5, 0.0, 1e-7, 2e6]
            .iter()
            .map(|&v| tick(v))
            .collect();
        assert_eq!(
            t,
            ["10209", "2819", "59.31", "0.5", "0", "1.00e-7", "2.00e6"]
        );
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
