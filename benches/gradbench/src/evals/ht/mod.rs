//! `ht`: hand tracking (from ADBench). The 22 bones of a hand model are
//! posed from `theta` (a global rotation and translation, 20 finger
//! angles), each skinned vertex is the weighted sum of its bones'
//! transforms applied to its rest position, and each residual is a data
//! point minus its model point (a vertex, or a point of a triangle at
//! barycentric coordinates `u`).
//!
//! Each stage is a small `#[differentiable]` function over fixed arrays:
//! [`relative`] (a bone's Euler rotation after its rest transform),
//! [`compose`] (parent to child), [`rotation`] (the global angle-axis
//! rotation), [`bone_transform`] (a bone's skinning transform, mirrored and
//! rotated), [`skin`] (up to four bones' share of a vertex) and
//! [`hand_point`] / [`simple_point`] (the residual). The pose is computed
//! once per call and reused by every vertex and point; the Jacobian is
//! forward mode, carried stage to stage: each stage's `_jvp` (from the
//! macro) maps the tangents of its inputs to those of its outputs, once per
//! theta direction (26), and the two `u` columns are `hand_point_jvp` with
//! the tangent of that point's `u`. No derivative is written by hand; the
//! code between the stages only seeds the tangents (the tangent of
//! `theta[k]` in direction `j` is 1 where `k = j`) and gathers them.

mod model;
#[cfg(test)]
mod tests;

use macrograd::differentiable;
use serde_json::Value;

pub use model::Problem;

use crate::protocol::{numbers, Evaluated, Runner};

/// The number of pose parameters.
pub const THETA: usize = 26;

/// A bone's posed relative transform, `base · [[Rz(az)·Rx(ax), 0], [0, 1]]`
/// with `angles = [ax, az]`: the top three rows (row-major) of the affine
/// 4×4 matrix, whose last row is `0 0 0 1`.
#[differentiable]
pub fn relative(angles: [f64; 2], #[nograd] base: [f64; 12]) -> [f64; 12] {
    let (sx, cx) = angles[0].sin_cos();
    let (sz, cz) = angles[1].sin_cos();
    // Rz·Rx, row by row
    let r = [cz, -sz * cx, sz * sx, sz, cz * cx, -cz * sx, 0.0, sx, cx];
    [
        base[0] * r[0] + base[1] * r[3] + base[2] * r[6],
        base[0] * r[1] + base[1] * r[4] + base[2] * r[7],
        base[0] * r[2] + base[1] * r[5] + base[2] * r[8],
        base[3],
        base[4] * r[0] + base[5] * r[3] + base[6] * r[6],
        base[4] * r[1] + base[5] * r[4] + base[6] * r[7],
        base[4] * r[2] + base[5] * r[5] + base[6] * r[8],
        base[7],
        base[8] * r[0] + base[9] * r[3] + base[10] * r[6],
        base[8] * r[1] + base[9] * r[4] + base[10] * r[7],
        base[8] * r[2] + base[9] * r[5] + base[10] * r[8],
        base[11],
    ]
}

/// The affine product `a · b` of two 3×4 transforms (each with an implied
/// last row `0 0 0 1`).
#[differentiable]
pub fn compose(a: [f64; 12], b: [f64; 12]) -> [f64; 12] {
    [
        a[0] * b[0] + a[1] * b[4] + a[2] * b[8],
        a[0] * b[1] + a[1] * b[5] + a[2] * b[9],
        a[0] * b[2] + a[1] * b[6] + a[2] * b[10],
        a[0] * b[3] + a[1] * b[7] + a[2] * b[11] + a[3],
        a[4] * b[0] + a[5] * b[4] + a[6] * b[8],
        a[4] * b[1] + a[5] * b[5] + a[6] * b[9],
        a[4] * b[2] + a[5] * b[6] + a[6] * b[10],
        a[4] * b[3] + a[5] * b[7] + a[6] * b[11] + a[7],
        a[8] * b[0] + a[9] * b[4] + a[10] * b[8],
        a[8] * b[1] + a[9] * b[5] + a[10] * b[9],
        a[8] * b[2] + a[9] * b[6] + a[10] * b[10],
        a[8] * b[3] + a[9] * b[7] + a[10] * b[11] + a[11],
    ]
}

/// The rotation matrix (row-major 3×3) of the angle-axis vector `r`; the
/// identity when `‖r‖ < 1e-4`, as the reference has it.
#[differentiable]
pub fn rotation(r: [f64; 3]) -> [f64; 9] {
    let norm = (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]).sqrt();
    if norm < 1e-4 {
        [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    } else {
        let (x, y, z) = (r[0] / norm, r[1] / norm, r[2] / norm);
        let (s, c) = norm.sin_cos();
        [
            x * x + (1.0 - x * x) * c,
            x * y * (1.0 - c) - z * s,
            x * z * (1.0 - c) + y * s,
            x * y * (1.0 - c) + z * s,
            y * y + (1.0 - y * y) * c,
            y * z * (1.0 - c) - x * s,
            x * z * (1.0 - c) - y * s,
            z * y * (1.0 - c) + x * s,
            z * z + (1.0 - z * z) * c,
        ]
    }
}

/// A bone's skinning transform as the vertices see it: its absolute pose
/// times its inverse rest pose, the x row negated when the model is
/// mirrored (`mirror = -1`, else 1), then rotated by the global `rot`.
#[differentiable]
pub fn bone_transform(
    absolute: [f64; 12],
    rot: [f64; 9],
    #[nograd] inverse_base_absolute: [f64; 12],
    #[nograd] mirror: f64,
) -> [f64; 12] {
    let m: [f64; 12] = compose(absolute, inverse_base_absolute);
    let (m0, m1, m2, m3) = (mirror * m[0], mirror * m[1], mirror * m[2], mirror * m[3]);
    [
        rot[0] * m0 + rot[1] * m[4] + rot[2] * m[8],
        rot[0] * m1 + rot[1] * m[5] + rot[2] * m[9],
        rot[0] * m2 + rot[1] * m[6] + rot[2] * m[10],
        rot[0] * m3 + rot[1] * m[7] + rot[2] * m[11],
        rot[3] * m0 + rot[4] * m[4] + rot[5] * m[8],
        rot[3] * m1 + rot[4] * m[5] + rot[5] * m[9],
        rot[3] * m2 + rot[4] * m[6] + rot[5] * m[10],
        rot[3] * m3 + rot[4] * m[7] + rot[5] * m[11],
        rot[6] * m0 + rot[7] * m[4] + rot[8] * m[8],
        rot[6] * m1 + rot[7] * m[5] + rot[8] * m[9],
        rot[6] * m2 + rot[7] * m[6] + rot[8] * m[10],
        rot[6] * m3 + rot[7] * m[7] + rot[8] * m[11],
    ]
}

/// `acc` plus four bones' share of a vertex: `Σₖ w[k] · Gₖ · p`, with `Gₖ`
/// the 3×4 transform `g[12k..12k + 12]` and `p` the homogeneous rest
/// position. A vertex with more bones chains several calls; unused slots
/// have weight 0.
#[differentiable]
#[allow(clippy::needless_range_loop)]
pub fn skin(acc: [f64; 3], g: [f64; 48], #[nograd] w: [f64; 4], #[nograd] p: [f64; 4]) -> [f64; 3] {
    let mut x = acc[0];
    let mut y = acc[1];
    let mut z = acc[2];
    for k in 0..4 {
        let o = 12 * k;
        x += w[k] * (g[o] * p[0] + g[o + 1] * p[1] + g[o + 2] * p[2] + g[o + 3] * p[3]);
        y += w[k] * (g[o + 4] * p[0] + g[o + 5] * p[1] + g[o + 6] * p[2] + g[o + 7] * p[3]);
        z += w[k] * (g[o + 8] * p[0] + g[o + 9] * p[1] + g[o + 10] * p[2] + g[o + 11] * p[3]);
    }
    [x, y, z]
}

/// The complicated variant's residual: the data point `x` minus the point
/// `u0·a + u1·b + (1 − u0 − u1)·c` of the triangle `(a, b, c)`.
#[differentiable]
pub fn hand_point(
    a: [f64; 3],
    b: [f64; 3],
    c: [f64; 3],
    u: [f64; 2],
    #[nograd] x: [f64; 3],
) -> [f64; 3] {
    let u2 = 1.0 - u[0] - u[1];
    [
        x[0] - (u[0] * a[0] + u[1] * b[0] + u2 * c[0]),
        x[1] - (u[0] * a[1] + u[1] * b[1] + u2 * c[1]),
        x[2] - (u[0] * a[2] + u[1] * b[2] + u2 * c[2]),
    ]
}

/// The simple variant's residual: the data point `x` minus the vertex `v`.
#[differentiable]
pub fn simple_point(v: [f64; 3], #[nograd] x: [f64; 3]) -> [f64; 3] {
    [x[0] - v[0], x[1] - v[1], x[2] - v[2]]
}

/// The unit direction `e_j` of theta, restricted to `theta[from..from + N]`.
fn seed<const N: usize>(j: usize, from: usize) -> [f64; N] {
    let mut d = [0.0; N];
    if (from..from + N).contains(&j) {
        d[j - from] = 1.0;
    }
    d
}

/// `objective` and `jacobian`.
pub fn evaluate(function: &str, input: &Value, runner: &Runner) -> Result<Evaluated, String> {
    let pb = Problem::read(input)?;
    let mut work = pb.workspace();
    match function {
        "objective" => {
            let mut err = vec![0.0; 3 * pb.points.len()];
            let (_, timings) = runner.run(|| pb.objective(&mut work, &mut err));
            Ok(Evaluated {
                output: numbers(&err),
                timings,
            })
        }
        "jacobian" => {
            let cols = pb.jacobian_cols();
            let mut jac = vec![0.0; 3 * pb.points.len() * cols];
            let (_, timings) = runner.run(|| pb.jacobian(&mut work, &mut jac));
            Ok(Evaluated {
                output: Value::Array(jac.chunks(cols).map(numbers).collect()),
                timings,
            })
        }
        other => Err(format!(
            "no function `{other}`: ht has `objective` and `jacobian`"
        )),
    }
}

/// Buffers one evaluation reuses across runs.
pub struct Workspace {
    /// Each bone's absolute pose.
    absolute: Vec<[f64; 12]>,
    /// Each bone's skinning transform ([`bone_transform`]).
    transform: Vec<[f64; 12]>,
    /// The tangents of `absolute`, one per theta direction.
    d_absolute: Vec<[[f64; 12]; THETA]>,
    /// The tangents of `transform`, one per theta direction.
    d_transform: Vec<[[f64; 12]; THETA]>,
    /// Each used vertex, posed.
    vertex: Vec<[f64; 3]>,
    /// Its tangents, one per theta direction.
    d_vertex: Vec<[[f64; 3]; THETA]>,
}

impl Problem {
    /// Buffers of this problem's sizes.
    pub fn workspace(&self) -> Workspace {
        let bones = self.bones.len();
        let used = self.used.len();
        Workspace {
            absolute: vec![[0.0; 12]; bones],
            transform: vec![[0.0; 12]; bones],
            d_absolute: vec![[[0.0; 12]; THETA]; bones],
            d_transform: vec![[[0.0; 12]; THETA]; bones],
            vertex: vec![[0.0; 3]; used],
            d_vertex: vec![[[0.0; 3]; THETA]; used],
        }
    }

    /// Columns of the Jacobian: two for `u` (complicated variant), then
    /// theta's 26.
    pub fn jacobian_cols(&self) -> usize {
        if self.complicated {
            THETA + 2
        } else {
            THETA
        }
    }

    /// The bones' skinning transforms, and with `tangents` their tangents
    /// in each theta direction.
    fn pose(&self, w: &mut Workspace, tangents: bool) {
        let theta = &self.theta;
        let r = [theta[0], theta[1], theta[2]];
        let rot = rotation(r);
        let mut d_rot = [[0.0; 9]; THETA];
        if tangents {
            for (j, d) in d_rot.iter_mut().enumerate() {
                *d = rotation_jvp(r, seed(j, 0)).1;
            }
        }
        for (b, bone) in self.bones.iter().enumerate() {
            let angles = bone.angles.map(|k| k.map_or(0.0, |k| theta[k]));
            let rel = relative(angles, bone.base_relative);
            let abs = match bone.parent {
                None => rel,
                Some(p) => compose(w.absolute[p], rel),
            };
            w.absolute[b] = abs;
            w.transform[b] = bone_transform(abs, rot, bone.inverse_base_absolute, self.mirror);
            if !tangents {
                continue;
            }
            for (j, &d_rot) in d_rot.iter().enumerate() {
                let d_angles = bone.angles.map(|k| if k == Some(j) { 1.0 } else { 0.0 });
                let d_rel = relative_jvp(angles, bone.base_relative, d_angles).1;
                let d_abs = match bone.parent {
                    None => d_rel,
                    Some(p) => compose_jvp(w.absolute[p], rel, (w.d_absolute[p][j], d_rel)).1,
                };
                w.d_absolute[b][j] = d_abs;
                w.d_transform[b][j] = bone_transform_jvp(
                    abs,
                    rot,
                    bone.inverse_base_absolute,
                    self.mirror,
                    (d_abs, d_rot),
                )
                .1;
            }
        }
    }

    /// The used vertices, posed (after [`Problem::pose`]), and with
    /// `tangents` their tangents.
    fn skin_vertices(&self, w: &mut Workspace, tangents: bool) {
        let t = [self.theta[3], self.theta[4], self.theta[5]];
        for (slot, &v) in self.used.iter().enumerate() {
            let vertex = &self.vertices[v];
            let mut acc = t;
            let mut d_acc = [[0.0; 3]; THETA];
            if tangents {
                for (j, d) in d_acc.iter_mut().enumerate() {
                    *d = seed(j, 3);
                }
            }
            for chunk in &self.influences[vertex.influences.clone()] {
                let mut g = [0.0; 48];
                for (k, &b) in chunk.bones.iter().enumerate() {
                    g[12 * k..12 * k + 12].copy_from_slice(&w.transform[b]);
                }
                if tangents {
                    let mut d_g = [0.0; 48];
                    for (j, d) in d_acc.iter_mut().enumerate() {
                        for (k, &b) in chunk.bones.iter().enumerate() {
                            d_g[12 * k..12 * k + 12].copy_from_slice(&w.d_transform[b][j]);
                        }
                        *d = skin_jvp(acc, g, chunk.weights, vertex.rest, (*d, d_g)).1;
                    }
                }
                acc = skin(acc, g, chunk.weights, vertex.rest);
            }
            w.vertex[slot] = acc;
            w.d_vertex[slot] = d_acc;
        }
    }

    /// The residuals, point-major (`3N`).
    pub fn objective(&self, w: &mut Workspace, err: &mut [f64]) {
        self.pose(w, false);
        self.skin_vertices(w, false);
        for (pt, e) in self.points.iter().zip(err.chunks_exact_mut(3)) {
            let r = match pt.u {
                Some(u) => {
                    let [a, b, c] = pt.slots;
                    hand_point(w.vertex[a], w.vertex[b], w.vertex[c], u, pt.x)
                }
                None => simple_point(w.vertex[pt.slots[0]], pt.x),
            };
            e.copy_from_slice(&r);
        }
    }

    /// The Jacobian, row-major: `3N` rows of [`Problem::jacobian_cols`].
    pub fn jacobian(&self, w: &mut Workspace, jac: &mut [f64]) {
        self.pose(w, true);
        self.skin_vertices(w, true);
        let cols = self.jacobian_cols();
        for (pt, rows) in self.points.iter().zip(jac.chunks_exact_mut(3 * cols)) {
            let mut put = |col: usize, d: [f64; 3]| {
                for (r, v) in d.into_iter().enumerate() {
                    rows[r * cols + col] = v;
                }
            };
            match pt.u {
                Some(u) => {
                    let [a, b, c] = pt.slots;
                    let (va, vb, vc) = (w.vertex[a], w.vertex[b], w.vertex[c]);
                    let zero = [0.0; 3];
                    for k in 0..2 {
                        let d_u = seed(k, 0);
                        put(
                            k,
                            hand_point_jvp(va, vb, vc, u, pt.x, (zero, zero, zero, d_u)).1,
                        );
                    }
                    for j in 0..THETA {
                        let d = (
                            w.d_vertex[a][j],
                            w.d_vertex[b][j],
                            w.d_vertex[c][j],
                            [0.0; 2],
                        );
                        put(2 + j, hand_point_jvp(va, vb, vc, u, pt.x, d).1);
                    }
                }
                None => {
                    let s = pt.slots[0];
                    for j in 0..THETA {
                        put(j, simple_point_jvp(w.vertex[s], pt.x, w.d_vertex[s][j]).1);
                    }
                }
            }
        }
    }
}
