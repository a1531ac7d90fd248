//! The decision boundary and the data as an SVG picture, like the one at the
//! end of micrograd's demo notebook.

use std::fmt::Write;

/// Draws the sign of `score` over the data's bounding box and the points on
/// top (blue for y = 1, red for y = -1).
pub fn decision_svg(xs: &[[f64; 2]], ys: &[f64], score: impl Fn([f64; 2]) -> f64) -> String {
    const PX: f64 = 480.0;
    const GRID: usize = 80;
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for x in xs {
        for d in 0..2 {
            lo[d] = lo[d].min(x[d] - 0.5);
            hi[d] = hi[d].max(x[d] + 0.5);
        }
    }
    let to_px = |x: [f64; 2]| {
        (
            (x[0] - lo[0]) / (hi[0] - lo[0]) * PX,
            PX - (x[1] - lo[1]) / (hi[1] - lo[1]) * PX,
        )
    };
    let cell = PX / GRID as f64;
    let mut svg = format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="{PX}" height="{PX}">"#);
    for i in 0..GRID {
        for j in 0..GRID {
            let p = [
                lo[0] + (i as f64 + 0.5) / GRID as f64 * (hi[0] - lo[0]),
                hi[1] - (j as f64 + 0.5) / GRID as f64 * (hi[1] - lo[1]),
            ];
            let fill = if score(p) > 0.0 { "#c6dbef" } else { "#fcbba1" };
            let _ = write!(
                svg,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.2}" height="{:.2}" fill="{fill}"/>"#,
                i as f64 * cell,
                j as f64 * cell,
                cell + 0.5,
                cell + 0.5
            );
        }
    }
    for (x, y) in xs.iter().zip(ys) {
        let (px, py) = to_px(*x);
        let fill = if *y > 0.0 { "#2171b5" } else { "#cb181d" };
        let _ = write!(
            svg,
            r#"<circle cx="{px:.1}" cy="{py:.1}" r="4" fill="{fill}" stroke="black" stroke-width="0.5"/>"#
        );
    }
    svg.push_str("</svg>\n");
    svg
}
