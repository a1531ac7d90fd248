//! The loss curve of a [`History`](super::History), drawn with plotters'
//! SVG backend (text is left to the viewer's fonts, so no font files or
//! system font libraries are needed).

use plotters::prelude::*;

use crate::error::{Error, Result};

/// Training loss: matplotlib's first colour.
const TRAIN: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
/// Validation loss: matplotlib's second colour.
const VALIDATION: RGBColor = RGBColor(0xff, 0x7f, 0x0e);

/// Losses whose finite values span more than this factor get a log axis.
const LOG_SPAN: f64 = 100.0;

/// The SVG text of the two curves, one point per epoch; a non-finite value
/// (a missing validation loss) breaks its curve.
pub(super) fn loss_curves(train: &[f64], val: &[f64], size: (u32, u32)) -> Result<String> {
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
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..last as f64, s_lo..s_hi)
            .map_err(drawing)?;
        chart
            .configure_mesh()
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
        chart
            .configure_series_labels()
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
        let svg = loss_curves(&[1000.0, 10.0, 0.1], &[], (400, 300)).unwrap();
        assert!(svg.contains("loss (log scale)"), "{svg}");
        let svg = loss_curves(&[1.0, 0.5, 0.1], &[], (400, 300)).unwrap();
        assert!(!svg.contains("log scale"), "{svg}");
    }

    #[test]
    fn a_single_point_and_a_constant_loss_draw() {
        for train in [&[0.5][..], &[2.0, 2.0, 2.0][..]] {
            let svg = loss_curves(train, &[], (200, 150)).unwrap();
            assert!(svg.starts_with("<svg") && svg.contains("train loss"));
        }
    }
}
