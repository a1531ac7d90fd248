//! How a training run reports progress: a bar on a terminal, one line per
//! epoch elsewhere (CI, a log file), or nothing.
//!
//! The bar shows the step rate with its unit and an ETA for all epochs at
//! the current rate; with early stopping it reads `eta ≤ …`, since training
//! may end sooner, and when it does the bar is completed at the step where
//! it stopped. Its last line (steps, time taken, rate) stays on the screen.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressState, ProgressStyle};

use crate::history::EpochRecord;

/// How to report progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progress {
    /// a bar when stdout and stderr are terminals, one line per epoch on
    /// stdout otherwise (the default)
    #[default]
    Auto,
    /// nothing
    Off,
    /// always the bar (on stderr)
    Bar,
    /// always one line per epoch (on stdout)
    Lines,
}

/// The reporter of one `fit` call.
pub(super) struct Reporter {
    bar: Option<ProgressBar>,
    lines: Option<Box<dyn Write>>,
    epochs: usize,
}

impl Reporter {
    /// A reporter for `epochs` epochs of `steps` steps each; `bounded_eta`
    /// when early stopping may end the run sooner.
    pub fn new(mode: Progress, epochs: usize, steps: usize, bounded_eta: bool) -> Self {
        let terminal = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
        let (bar, lines) = outputs(mode, terminal);
        Self {
            bar: bar.then(|| progress_bar((epochs * steps) as u64, bounded_eta)),
            lines: lines.then(|| Box::new(std::io::stdout()) as Box<dyn Write>),
            epochs,
        }
    }

    /// A reporter writing its lines to `out` (for tests).
    #[cfg(test)]
    pub fn lines_to(out: Box<dyn Write>, epochs: usize) -> Self {
        Self {
            bar: None,
            lines: Some(out),
            epochs,
        }
    }

    /// One step done; `loss` is the epoch's running mean.
    pub fn step(&mut self, epoch: usize, loss: f64) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(format!(
                "epoch {}/{} loss {loss:.5}",
                epoch + 1,
                self.epochs
            ));
        }
    }

    /// One step skipped (a non-finite loss or gradient).
    pub fn skip(&mut self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// An epoch done: with lines, its line.
    pub fn epoch(&mut self, record: &EpochRecord) {
        if let Some(out) = &mut self.lines {
            // a closed pipe must not stop training
            let _ = writeln!(out, "{}", epoch_line(record, self.epochs));
            let _ = out.flush();
        }
    }

    /// Training ended normally, `stopped_early` before its last epoch: the
    /// bar is completed at its position and its last line kept.
    pub fn finish(&mut self, record: Option<&EpochRecord>, stopped_early: bool) {
        if let Some(bar) = &self.bar {
            if stopped_early {
                bar.set_length(bar.position());
            }
            let mut msg = record.map_or_else(String::new, |r| {
                format!(
                    "epoch {}/{} loss {:.5}",
                    r.epoch + 1,
                    self.epochs,
                    r.train_loss
                )
            });
            if stopped_early {
                msg.push_str(" (stopped early)");
            }
            // the last line: no ETA, the time it took
            if let Some(style) = style("{msg} [{wide_bar}] {pos} steps in {elapsed}, {rate}") {
                bar.set_style(style);
            }
            bar.finish_with_message(msg);
            if !bar.is_hidden() {
                // indicatif leaves the cursor at the end of the bar's line:
                // end it, so what the program prints next starts below
                eprintln!();
            }
        }
        if let (Some(out), true) = (&mut self.lines, stopped_early) {
            let epoch = record.map_or(0, |r| r.epoch + 1);
            let _ = writeln!(out, "stopped early after epoch {epoch}/{}", self.epochs);
        }
    }

    /// Training failed: the bar stays where it was.
    pub fn abandon(&mut self) {
        if let Some(bar) = &self.bar {
            bar.abandon();
        }
    }
}

/// Whether to draw the bar and whether to write lines, for `mode` on or
/// off a terminal.
fn outputs(mode: Progress, terminal: bool) -> (bool, bool) {
    match mode {
        Progress::Off => (false, false),
        Progress::Bar => (true, false),
        Progress::Lines => (false, true),
        Progress::Auto => (terminal, !terminal),
    }
}

/// `epoch 3/40  train_loss 0.12345  val_loss 0.23456  train_acc 0.9812  0.41 s`,
/// metrics in name order, a skipped-batch count when there is one.
pub(super) fn epoch_line(r: &EpochRecord, epochs: usize) -> String {
    let width = epochs.to_string().len();
    let mut line = format!(
        "epoch {:>width$}/{epochs}  train_loss {:.5}",
        r.epoch + 1,
        r.train_loss
    );
    if let Some(v) = r.val_loss {
        line.push_str(&format!("  val_loss {v:.5}"));
    }
    for (name, v) in &r.metrics {
        line.push_str(&format!("  {name} {v:.4}"));
    }
    if r.skipped_batches > 0 {
        line.push_str(&format!("  skipped {}", r.skipped_batches));
    }
    line.push_str(&format!("  {:.2} s", r.seconds));
    line
}

/// `epoch 3/40 loss 0.12345 [=====>    ] 1200/16000 steps, 5400 steps/s, eta 3s`,
/// the bar as wide as the terminal allows.
fn progress_bar(len: u64, bounded_eta: bool) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let eta = if bounded_eta {
        "eta ≤ {eta}"
    } else {
        "eta {eta}"
    };
    if let Some(style) = style(&format!(
        "{{msg}} [{{wide_bar}}] {{pos}}/{{len}} steps, {{rate}}, {eta}"
    )) {
        bar.set_style(style);
    }
    bar
}

/// The bar's style for `template`, with the `{rate}` key.
fn style(template: &str) -> Option<ProgressStyle> {
    let style = ProgressStyle::with_template(template).ok()?;
    Some(
        style
            .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&rate(s.per_sec()));
            })
            .progress_chars("=> "),
    )
}

/// A step rate with its unit: `5400 steps/s`, `2.5 s/step` below one a second.
fn rate(per_sec: f64) -> String {
    if per_sec >= 1.0 {
        format!("{per_sec:.0} steps/s")
    } else if per_sec > 0.0 {
        format!("{:.1} s/step", 1.0 / per_sec)
    } else {
        "– steps/s".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer tests can read back.
    #[derive(Clone, Default)]
    pub(crate) struct Sink(pub Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn record(epoch: usize) -> EpochRecord {
        EpochRecord {
            epoch,
            lr: 0.1,
            train_loss: 0.5 / (epoch + 1) as f64,
            val_loss: Some(0.75),
            metrics: [("train_acc".to_owned(), 0.875)].into_iter().collect(),
            skipped_batches: 0,
            seconds: 0.25,
        }
    }

    #[test]
    fn an_epoch_line_has_the_losses_and_metrics() {
        assert_eq!(
            epoch_line(&record(2), 40),
            "epoch  3/40  train_loss 0.16667  val_loss 0.75000  train_acc 0.8750  0.25 s"
        );
    }

    #[test]
    fn lines_are_one_per_epoch_and_say_when_training_stopped_early() {
        let sink = Sink::default();
        let mut r = Reporter::lines_to(Box::new(sink.clone()), 10);
        for e in 0..3 {
            r.step(e, 1.0);
            r.epoch(&record(e));
        }
        r.finish(Some(&record(2)), true);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].starts_with("epoch  1/10  train_loss 0.50000"));
        assert_eq!(lines[3], "stopped early after epoch 3/10");
    }

    #[test]
    fn auto_is_a_bar_on_a_terminal_and_lines_elsewhere() {
        assert_eq!(outputs(Progress::Auto, true), (true, false));
        assert_eq!(outputs(Progress::Auto, false), (false, true));
        assert_eq!(outputs(Progress::Off, true), (false, false));
        assert_eq!(outputs(Progress::Lines, true), (false, true));
        assert_eq!(outputs(Progress::Bar, false), (true, false));
    }

    #[test]
    fn rates_have_units() {
        assert_eq!(rate(5400.4), "5400 steps/s");
        assert_eq!(rate(0.4), "2.5 s/step");
        assert_eq!(rate(0.0), "– steps/s");
    }
}
