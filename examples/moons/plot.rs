//! The decision boundary and the data as an SVG picture, like the one at the
//! end of micrograd's demo notebook, drawn with plotters.
//!
//! The score's sign is shaded on a fine grid, one rectangle per run of equal
//! sign along a row (a few hundred shapes rather than one per cell), and the
//! boundary `score = 0` is drawn as a smooth curve found by marching squares
//! with linear interpolation on the same grid.

use plotters::prelude::*;

/// Cells per side of the grid the score is sampled on.
const GRID: usize = 160;
/// Shading of the regions scored positive and negative.
const POSITIVE_FILL: RGBColor = RGBColor(0xc6, 0xdb, 0xef);
const NEGATIVE_FILL: RGBColor = RGBColor(0xfc, 0xbb, 0xa1);
/// The points of the two classes.
const POSITIVE: RGBColor = RGBColor(0x21, 0x71, 0xb5);
const NEGATIVE: RGBColor = RGBColor(0xcb, 0x18, 0x1d);

/// Draws the sign of `score` over the data's bounding box (with a margin of
/// 0.5), the boundary where it is zero, and the points on top: blue for
/// y = 1, red for y = -1; `title` goes above.
pub fn decision_svg(
    title: &str,
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
    if !(lo[0] < hi[0] && lo[1] < hi[1]) {
        return Err("cannot draw the decision boundary: no points".into());
    }
    let grid = Grid::sample(lo, hi, &score);
    let err = |e: &dyn std::fmt::Display| format!("cannot draw the decision boundary: {e}");
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 600)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 24))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(56)
            .build_cartesian_2d(lo[0]..hi[0], lo[1]..hi[1])
            .map_err(|e| err(&e))?;
        chart
            .draw_series(grid.runs().map(|(a, b, positive)| {
                let fill = if positive {
                    POSITIVE_FILL
                } else {
                    NEGATIVE_FILL
                };
                Rectangle::new([a, b], fill.filled())
            }))
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .disable_mesh()
            .label_style(("sans-serif", 18))
            .axis_desc_style(("sans-serif", 20))
            .x_desc("x0")
            .y_desc("x1")
            .draw()
            .map_err(|e| err(&e))?;
        let boundary = grid.contour();
        let line = BLACK.stroke_width(2);
        chart
            .draw_series(
                boundary
                    .iter()
                    .map(|&(a, b)| PathElement::new([a, b], line)),
            )
            .map_err(|e| err(&e))?
            .label("decision boundary (score = 0)")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], line));
        for (class, colour, label) in [
            (1.0, POSITIVE, "class y = 1"),
            (-1.0, NEGATIVE, "class y = −1"),
        ] {
            let points = xs
                .iter()
                .zip(ys)
                .filter(|(_, &y)| y == class)
                .map(|(x, _)| {
                    EmptyElement::at((x[0], x[1]))
                        + Circle::new((0, 0), 5, colour.filled())
                        + Circle::new((0, 0), 5, BLACK.stroke_width(1))
                });
            chart
                .draw_series(points)
                .map_err(|e| err(&e))?
                .label(label)
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, colour.filled()));
        }
        chart
            .configure_series_labels()
            .label_font(("sans-serif", 18))
            .position(SeriesLabelPosition::LowerLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
    }
    Ok(svg)
}

/// A point of the plane.
type Point = (f64, f64);

/// The score sampled at the `(GRID + 1)²` corners of the cells.
struct Grid {
    lo: [f64; 2],
    step: [f64; 2],
    /// row-major, `values[j][i]` at `(lo[0] + i·step[0], lo[1] + j·step[1])`
    values: Vec<Vec<f64>>,
}

impl Grid {
    fn sample(lo: [f64; 2], hi: [f64; 2], score: impl Fn([f64; 2]) -> f64) -> Self {
        let step = [(hi[0] - lo[0]) / GRID as f64, (hi[1] - lo[1]) / GRID as f64];
        let values = (0..=GRID)
            .map(|j| {
                (0..=GRID)
                    .map(|i| score([lo[0] + i as f64 * step[0], lo[1] + j as f64 * step[1]]))
                    .collect()
            })
            .collect();
        Self { lo, step, values }
    }

    fn at(&self, i: usize, j: usize) -> Point {
        (
            self.lo[0] + i as f64 * self.step[0],
            self.lo[1] + j as f64 * self.step[1],
        )
    }

    /// Rectangles covering the cells, one per run of cells along a row
    /// whose centres (the mean of the four corners) have the same sign.
    fn runs(&self) -> impl Iterator<Item = (Point, Point, bool)> + '_ {
        (0..GRID).flat_map(move |j| {
            let sign = move |i: usize| {
                let v = &self.values;
                v[j][i] + v[j][i + 1] + v[j + 1][i] + v[j + 1][i + 1] > 0.0
            };
            let mut out = Vec::new();
            let mut start = 0;
            for i in 1..=GRID {
                if i == GRID || sign(i) != sign(start) {
                    out.push((self.at(start, j), self.at(i, j + 1), sign(start)));
                    start = i;
                }
            }
            out
        })
    }

    /// The segments of the curve `score = 0`: marching squares, each
    /// crossing placed on its cell edge by linear interpolation.
    fn contour(&self) -> Vec<(Point, Point)> {
        let mut segments = Vec::new();
        for j in 0..GRID {
            for i in 0..GRID {
                // corners counter-clockwise from the lower left
                let c = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
                let v = c.map(|(a, b)| self.values[b][a]);
                let mut crossings = Vec::with_capacity(4);
                for k in 0..4 {
                    let (a, b) = (k, (k + 1) % 4);
                    if (v[a] > 0.0) != (v[b] > 0.0) {
                        let t = v[a] / (v[a] - v[b]);
                        let (pa, pb) = (self.at(c[a].0, c[a].1), self.at(c[b].0, c[b].1));
                        crossings.push((pa.0 + t * (pb.0 - pa.0), pa.1 + t * (pb.1 - pa.1)));
                    }
                }
                // two crossings: one segment; four (a saddle): two, paired
                // along the edges in order
                for pair in crossings.chunks_exact(2) {
                    segments.push((pair[0], pair[1]));
                }
            }
        }
        segments
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> (Vec<[f64; 2]>, Vec<f64>) {
        let xs: Vec<[f64; 2]> = (0..40)
            .map(|k| {
                let a = k as f64 * 0.7;
                let r = if k % 2 == 0 { 0.5 } else { 1.5 };
                [r * a.cos(), r * a.sin()]
            })
            .collect();
        let ys = (0..40)
            .map(|k| if k % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        (xs, ys)
    }

    #[test]
    fn the_boundary_lies_on_the_zero_of_the_score() {
        // score = 1 − |x|: the boundary is the unit circle
        let (xs, ys) = ring();
        let grid = Grid::sample([-2.0; 2], [2.0; 2], |p| 1.0 - p[0].hypot(p[1]));
        let segments = grid.contour();
        assert!(segments.len() > 100, "{}", segments.len());
        for (a, b) in segments {
            for p in [a, b] {
                // linear interpolation of a curved score: off by at most the
                // square of the cell size (0.025) divided by the radius
                assert!((p.0.hypot(p.1) - 1.0).abs() < 1e-3, "{p:?}");
            }
        }
        let svg = decision_svg("t", &xs, &ys, |p| 1.0 - p[0].hypot(p[1])).unwrap();
        assert!(svg.len() < 200_000, "{} bytes", svg.len());
    }

    #[test]
    fn the_picture_has_a_title_and_a_legend() {
        let (xs, ys) = ring();
        let svg =
            decision_svg("moons: 100% accuracy", &xs, &ys, |p| 1.0 - p[0].hypot(p[1])).unwrap();
        for text in [
            "moons: 100% accuracy",
            "class y = 1",
            "class y = −1",
            "decision boundary (score = 0)",
        ] {
            assert!(svg.contains(text), "missing {text}");
        }
    }
}
