//! The decision boundary and the data as an SVG picture, like the one at the
//! end of micrograd's demo notebook, drawn with plotters.

use plotters::prelude::*;

/// Cells per side of the grid on which the sign of the score is shaded.
const GRID: usize = 80;

/// Draws the sign of `score` over the data's bounding box (with a margin of
/// 0.5) and the points on top: blue for y = 1, red for y = -1.
pub fn decision_svg(
    xs: &[[f64; 2]],
    ys: &[f64],
    score: impl Fn([f64; 2]) -> f64,
) -> Result<String, String> {
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for x in xs {
        for d in 0..2 {
            lo[d] = lo[d].min(x[d] - 0.5);
            hi[d] = hi[d].max(x[d] + 0.5);
        }
    }
    let err = |e: &dyn std::fmt::Display| format!("cannot draw the decision boundary: {e}");
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (560, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(44)
            .build_cartesian_2d(lo[0]..hi[0], lo[1]..hi[1])
            .map_err(|e| err(&e))?;
        let (w, h) = ((hi[0] - lo[0]) / GRID as f64, (hi[1] - lo[1]) / GRID as f64);
        let cells = (0..GRID * GRID).map(|k| {
            let (x, y) = (lo[0] + (k % GRID) as f64 * w, lo[1] + (k / GRID) as f64 * h);
            let positive = score([x + w / 2.0, y + h / 2.0]) > 0.0;
            let fill = if positive {
                RGBColor(0xc6, 0xdb, 0xef)
            } else {
                RGBColor(0xfc, 0xbb, 0xa1)
            };
            Rectangle::new([(x, y), (x + w, y + h)], fill.filled())
        });
        chart.draw_series(cells).map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("x0")
            .y_desc("x1")
            .draw()
            .map_err(|e| err(&e))?;
        let points = xs.iter().zip(ys).map(|(x, &y)| {
            let fill = if y > 0.0 {
                RGBColor(0x21, 0x71, 0xb5)
            } else {
                RGBColor(0xcb, 0x18, 0x1d)
            };
            EmptyElement::at((x[0], x[1]))
                + Circle::new((0, 0), 4, fill.filled())
                + Circle::new((0, 0), 4, BLACK.stroke_width(1))
        });
        chart.draw_series(points).map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
    }
    Ok(svg)
}
