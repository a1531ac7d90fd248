//! Reading `ht`'s input into the problem the stages work on: the bones
//! (parent, rest transforms, which theta entries are their angles), each
//! vertex's nonzero skinning weights in groups of four, the vertices the
//! points use and, per point, where its vertices are among those.

use std::ops::Range;

use serde_json::Value;

use super::THETA;
use crate::protocol::floats;

/// One bone of the model.
pub struct Bone {
    /// Its parent, which comes before it; `None` for the root.
    pub parent: Option<usize>,
    /// Rest pose relative to the parent (3×4, row-major).
    pub base_relative: [f64; 12],
    /// Inverse of the absolute rest pose (3×4, row-major).
    pub inverse_base_absolute: [f64; 12],
    /// The theta entries of its x and z angles, where it has them.
    pub angles: [Option<usize>; 2],
}

/// Up to four bones of one vertex and their weights (0 in unused slots).
pub struct Influence {
    /// Bone indices.
    pub bones: [usize; 4],
    /// Their skinning weights.
    pub weights: [f64; 4],
}

/// One vertex of the model.
pub struct Vertex {
    /// Homogeneous rest position.
    pub rest: [f64; 4],
    /// Its groups of nonzero weights in [`Problem::influences`].
    pub influences: Range<usize>,
}

/// One data point and where its model point comes from.
pub struct Point {
    /// The measured point.
    pub x: [f64; 3],
    /// Barycentric coordinates in its triangle (complicated variant).
    pub u: Option<[f64; 2]>,
    /// Its triangle's vertices (or its vertex, three times) as indices
    /// into [`Problem::used`].
    pub slots: [usize; 3],
}

/// An `ht` input, read and checked.
pub struct Problem {
    /// The pose parameters.
    pub theta: [f64; THETA],
    /// The bones, parents first.
    pub bones: Vec<Bone>,
    /// -1 when the model is mirrored (x negated), else 1.
    pub mirror: f64,
    /// Every vertex of the model.
    pub vertices: Vec<Vertex>,
    /// The vertices' groups of weights.
    pub influences: Vec<Influence>,
    /// The vertices the points use, each once.
    pub used: Vec<usize>,
    /// The data points.
    pub points: Vec<Point>,
    /// Whether the input has barycentric coordinates (`us` not empty).
    pub complicated: bool,
}

/// The theta entries of bone `b`'s x and z angles: finger `f` owns bones
/// `1 + 4f ..= 4 + 4f` and theta `6 + 4f .. 10 + 4f`; its second bone gets
/// an x and a z angle, the next two an x angle each.
fn bone_angles(b: usize) -> [Option<usize>; 2] {
    if b < 2 {
        return [None, None];
    }
    let (f, k) = ((b - 1) / 4, (b - 1) % 4);
    match k {
        1 => [Some(6 + 4 * f), Some(7 + 4 * f)],
        2 => [Some(8 + 4 * f), None],
        3 => [Some(9 + 4 * f), None],
        _ => [None, None],
    }
}

fn array<'a>(v: &'a Value, what: &str) -> Result<&'a Vec<Value>, String> {
    v.as_array()
        .ok_or_else(|| format!("`{what}` must be an array"))
}

fn fixed<const N: usize>(v: &Value, what: &str) -> Result<[f64; N], String> {
    let xs = floats(v, what)?;
    xs.try_into()
        .map_err(|xs: Vec<f64>| format!("`{what}` must hold {N} numbers, not {}", xs.len()))
}

fn index(v: &Value, what: &str, below: usize) -> Result<usize, String> {
    v.as_u64()
        .and_then(|i| usize::try_from(i).ok())
        .filter(|&i| i < below)
        .ok_or_else(|| format!("`{what}` must be an index below {below}, not {v}"))
}

/// The top three rows of an affine 4×4 matrix given as rows; the last row
/// must be `0 0 0 1`.
fn affine(v: &Value, what: &str) -> Result<[f64; 12], String> {
    let rows = array(v, what)?;
    if rows.len() != 4 {
        return Err(format!("`{what}` must be a 4×4 matrix"));
    }
    let mut m = [0.0; 12];
    for (r, row) in rows.iter().enumerate() {
        let row = fixed::<4>(row, what)?;
        if r < 3 {
            m[4 * r..4 * r + 4].copy_from_slice(&row);
        } else if row != [0.0, 0.0, 0.0, 1.0] {
            return Err(format!("`{what}` must be affine: its last row 0 0 0 1"));
        }
    }
    Ok(m)
}

/// A vertex's nonzero weights, in groups of four (appended to `out`).
fn group_weights(w: &[f64], out: &mut Vec<Influence>) {
    let nonzero: Vec<(usize, f64)> = w
        .iter()
        .copied()
        .enumerate()
        .filter(|&(_, x)| x != 0.0)
        .collect();
    for group in nonzero.chunks(4) {
        let mut inf = Influence {
            bones: [0; 4],
            weights: [0.0; 4],
        };
        for (k, &(b, x)) in group.iter().enumerate() {
            inf.bones[k] = b;
            inf.weights[k] = x;
        }
        out.push(inf);
    }
}

impl Problem {
    /// Reads an `ht` input (`theta`, `us`, `data`).
    pub fn read(input: &Value) -> Result<Problem, String> {
        let theta = fixed::<THETA>(&input["theta"], "theta")?;
        let data = &input["data"];
        let model = &data["model"];
        let parents = array(&model["parents"], "parents")?;
        let relatives = array(&model["base_relatives"], "base_relatives")?;
        let inverses = array(&model["inverse_base_absolutes"], "inverse_base_absolutes")?;
        if parents.len() != 22 || relatives.len() != 22 || inverses.len() != 22 {
            return Err("the model must have 22 bones: 22 parents, base_relatives and inverse_base_absolutes".into());
        }
        let mut bones = Vec::with_capacity(22);
        for b in 0..22 {
            let parent = match parents[b].as_i64() {
                Some(-1) => None,
                _ => Some(index(&parents[b], "parents[b]", b)?),
            };
            bones.push(Bone {
                parent,
                base_relative: affine(&relatives[b], "base_relatives[b]")?,
                inverse_base_absolute: affine(&inverses[b], "inverse_base_absolutes[b]")?,
                angles: bone_angles(b),
            });
        }
        let mirror = match model["is_mirrored"].as_bool() {
            Some(true) => -1.0,
            Some(false) => 1.0,
            None => return Err("`is_mirrored` must be a boolean".into()),
        };
        let positions = array(&model["base_positions"], "base_positions")?;
        let weights = array(&model["weights"], "weights")?;
        if weights.len() != positions.len() {
            return Err("`weights` must have a row per vertex".into());
        }
        let mut vertices = Vec::with_capacity(positions.len());
        let mut influences = Vec::new();
        for (p, w) in positions.iter().zip(weights) {
            let w = floats(w, "weights[v]")?;
            if w.len() != 22 {
                return Err("`weights[v]` must have a weight per bone".into());
            }
            let start = influences.len();
            group_weights(&w, &mut influences);
            vertices.push(Vertex {
                rest: fixed::<4>(p, "base_positions[v]")?,
                influences: start..influences.len(),
            });
        }
        let correspondences = array(&data["correspondences"], "correspondences")?;
        let xs = array(&data["points"], "points")?;
        let us = array(&input["us"], "us")?;
        let complicated = !us.is_empty();
        if xs.len() != correspondences.len() || (complicated && us.len() != xs.len()) {
            return Err(
                "`points`, `correspondences` and `us` (unless empty) must have one entry per point"
                    .into(),
            );
        }
        let triangles = array(&model["triangles"], "triangles")?;
        let n_vertices = vertices.len();
        let mut slot_of = vec![usize::MAX; n_vertices];
        let mut used = Vec::new();
        let mut slot = |v: usize| {
            if slot_of[v] == usize::MAX {
                slot_of[v] = used.len();
                used.push(v);
            }
            slot_of[v]
        };
        let mut points = Vec::with_capacity(xs.len());
        for (i, x) in xs.iter().enumerate() {
            let (u, slots) = if complicated {
                let t = index(&correspondences[i], "correspondences[i]", triangles.len())?;
                let t = array(&triangles[t], "triangles[t]")?;
                if t.len() != 3 {
                    return Err("`triangles[t]` must have three vertices".into());
                }
                let mut slots = [0; 3];
                for (s, v) in slots.iter_mut().zip(t) {
                    *s = slot(index(v, "triangles[t][k]", n_vertices)?);
                }
                (Some(fixed::<2>(&us[i], "us[i]")?), slots)
            } else {
                let s = slot(index(
                    &correspondences[i],
                    "correspondences[i]",
                    n_vertices,
                )?);
                (None, [s; 3])
            };
            points.push(Point {
                x: fixed::<3>(x, "points[i]")?,
                u,
                slots,
            });
        }
        Ok(Problem {
            theta,
            bones,
            mirror,
            vertices,
            influences,
            used,
            points,
            complicated,
        })
    }
}
