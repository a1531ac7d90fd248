//! The loss curve of a [`History`](super::History), drawn with plotters'
//! SVG backend (text is left to the viewer's fonts, so no font files or
//! system font libraries are needed).

use plotters::prelude::*;

use crate::error::{Error, Result};

/// Training loss: matplotlib's first colour.
const TRAIN: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
/// Validation loss: matplotlib's second colour.
const VALIDATION: RGBColor = RGBColor(0xff, 0x7f, 0x0e);

/// The restored epoch's marker.
const RESTORED: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);

/// Tick labels and legend entries: a size that reads at the picture's
/// default 800 × 500. Plotters writes text at about 0.8 of the size asked
/// for (its 12-point default came out as 9.7-pixel text); this gives 14.5.
const TICK_FONT: u32 = 18;
/// Axis names (about 17.7 pixels); see [`TICK_FONT`].
const AXIS_FONT: u32 = 22;
/// The title (about 21 pixels); see [`TICK_FONT`].
const TITLE_FONT: u32 = 26;

/// Losses whose finite values span more than this factor get a log axis.
const LOG_SPAN: f64 = 100.0;

/// The SVG text of the two curves, one point per epoch; a non-finite value
/// (a missing validation loss) breaks its curve. `restored`, the epoch early
/// stopping put back, gets a dashed vertical line and a dot on the
/// validation curve (the training curve without validation).
pub(super) fn loss_curves(
    train: &[f64],
    val: &[f64],
    restored: Option<usize>,
    size: (u32, u32),
) -> Result<String> {
    let finite = train.iter().chain(val).copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if !lo.is_finite() {
        return Err(Error::Data("no finite loss to plot".into()));
    }
    // a log axis is drawn as log10 of the values on a linear one
    let log = lo > 0.0 && hi / lo > LOG_SPAN;
    let scale = |v: f64| if log { v.log10() } else { v };
    let (s_lo, s_hi) = match (scale(lo), scale(hi)) {
        (a, b) if b > a => (a, b),
        (a, b) => (a - 0.5, b + 0.5),
    };
    let last = train.len().max(val.len()).max(2) - 1;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Loss per epoch", ("sans-serif", TITLE_FONT))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..last as f64, s_lo..s_hi)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .label_style(("sans-serif", TICK_FONT))
            .axis_desc_style(("sans-serif", AXIS_FONT))
            .x_desc("epoch")
            .y_desc(if log { "loss (log scale)" } else { "loss" })
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|s| tick(if log { 10f64.powf(*s) } else { *s }))
            .draw()
            .map_err(drawing)?;
        for (values, name, colour) in [
            (train, "train loss", TRAIN),
            (val, "validation loss", VALIDATION),
        ] {
            let mut labelled = false;
            for run in finite_runs(values) {
                let points = run.iter().map(|&(i, v)| (i as f64, scale(v)));
                let series = chart
                    .draw_series(LineSeries::new(points, colour.stroke_width(2)))
                    .map_err(drawing)?;
                if !labelled {
                    series.label(name).legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2))
                    });
                    labelled = true;
                }
            }
        }
        let monitored = if val.iter().any(|v| v.is_finite()) {
            val
        } else {
            train
        };
        if let Some(at) = restored.filter(|&e| monitored.get(e).is_some_and(|v| v.is_finite())) {
            let (x, y) = (at as f64, scale(monitored[at]));
            let dashes = (0..40).map(|k| {
                let step = (s_hi - s_lo) / 40.0;
                let y0 = s_lo + k as f64 * step;
                PathElement::new([(x, y0), (x, y0 + step / 2.0)], RESTORED.stroke_width(2))
            });
            chart.draw_series(dashes).map_err(drawing)?;
            chart
                .draw_series([Circle::new((x, y), 6, RESTORED.filled())])
                .map_err(drawing)?
                .label(format!("restored best epoch ({at})"))
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, RESTORED.filled()));
        }
        chart
            .configure_series_labels()
            .label_font(("sans-serif", TICK_FONT))
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE)
            .border_style(BLACK)
            .draw()
            .map_err(drawing)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

/// The runs of consecutive finite values, each point with its epoch.
fn finite_runs(values: &[f64]) -> Vec<Vec<(usize, f64)>> {
    let mut runs = Vec::new();
    let mut run = Vec::new();
    for (i, &v) in values.iter().enumerate() {
        if v.is_finite() {
            run.push((i, v));
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

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

fn drawing(e: impl std::fmt::Display) -> Error {
    Error::Data(format!("cannot draw the loss curve: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn runs_break_at_missing_values() {
        let runs = finite_runs(&[1.0, f64::NAN, 0.5, 0.25, f64::INFINITY]);
        assert_eq!(runs, vec![vec![(0, 1.0)], vec![(2, 0.5), (3, 0.25)]]);
        assert!(finite_runs(&[f64::NAN]).is_empty());
    }

    #[test]
    fn a_wide_span_gets_a_log_axis() {
        let svg = loss_curves(&[1000.0, 10.0, 0.1], &[], None, (400, 300)).unwrap();
        assert!(svg.contains("loss (log scale)"), "{svg}");
        let svg = loss_curves(&[1.0, 0.5, 0.1], &[], None, (400, 300)).unwrap();
        assert!(!svg.contains("log scale"), "{svg}");
    }

    #[test]
    fn a_single_point_and_a_constant_loss_draw() {
        for train in [&[0.5][..], &[2.0, 2.0, 2.0][..]] {
            let svg = loss_curves(train, &[], None, (200, 150)).unwrap();
            assert!(svg.starts_with("<svg") && svg.contains("train loss"));
        }
    }

    #[test]
    fn the_restored_epoch_is_marked_and_text_is_legible() {
        let (train, val) = ([1.0, 0.5, 0.4, 0.45], [1.2, 0.6, 0.7, 0.8]);
        let svg = loss_curves(&train, &val, Some(1), (800, 500)).unwrap();
        assert!(svg.contains("restored best epoch (1)"), "{svg}");
        // the dot sits on the validation curve at epoch 1
        assert!(
            svg.contains(&format!(
                "fill=\"#{:02X}{:02X}{:02X}\"",
                RESTORED.0, RESTORED.1, RESTORED.2
            )),
            "{svg}"
        );
        // every piece of text at least 14 pixels high
        let sizes: Vec<f64> = svg
            .split("font-size=\"")
            .skip(1)
            .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
            .collect();
        assert!(
            sizes.len() > 10 && sizes.iter().all(|&s| s >= 14.0),
            "{sizes:?}"
        );
        let unmarked = loss_curves(&train, &val, None, (800, 500)).unwrap();
        assert!(!unmarked.contains("restored"));
    }
}
