//! `ba`: bundle adjustment (from ADBench). Each observation's residual is
//! `w·(project(cam, x) − feat)`, with `project` a Rodrigues rotation, a
//! perspective division, radial distortion and the focal length; `w_err`
//! is `1 − w²`. `jacobian` is the sparse Jacobian in CSR, each
//! observation's two rows (15 nonzeros each) from `reproj_jacobian`, which
//! the macro builds by two reverse sweeps through `project`'s VJP (and
//! `rotate`'s inside it); the `w_err` rows from `w_err_grad`.

use macrograd::differentiable;
use serde_json::{json, Value};

use crate::protocol::{float, floats, Evaluated, Runner};

/// `y` rotated by the angle-axis vector `r` (Rodrigues' formula; to first
/// order `y + r × y` when `r` is exactly zero, as the reference does).
#[differentiable]
pub fn rotate(r: [f64; 3], y: [f64; 3]) -> [f64; 3] {
    let theta2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
    if theta2 != 0.0 {
        let theta = theta2.sqrt();
        let (s, c) = theta.sin_cos();
        let w = [r[0] / theta, r[1] / theta, r[2] / theta];
        let k = (w[0] * y[0] + w[1] * y[1] + w[2] * y[2]) * (1.0 - c);
        [
            y[0] * c + (w[1] * y[2] - w[2] * y[1]) * s + w[0] * k,
            y[1] * c + (w[2] * y[0] - w[0] * y[2]) * s + w[1] * k,
            y[2] * c + (w[0] * y[1] - w[1] * y[0]) * s + w[2] * k,
        ]
    } else {
        [
            y[0] + r[1] * y[2] - r[2] * y[1],
            y[1] + r[2] * y[0] - r[0] * y[2],
            y[2] + r[0] * y[1] - r[1] * y[0],
        ]
    }
}

/// The point `x` seen by camera `cam = [r0 r1 r2 | C0 C1 C2 | f | u0 v0 | k1 k2]`.
#[differentiable]
pub fn project(cam: [f64; 11], x: [f64; 3]) -> [f64; 2] {
    let z: [f64; 3] = rotate(
        [cam[0], cam[1], cam[2]],
        [x[0] - cam[3], x[1] - cam[4], x[2] - cam[5]],
    );
    let p0 = z[0] / z[2];
    let p1 = z[1] / z[2];
    let rsq = p0 * p0 + p1 * p1;
    let distortion = 1.0 + cam[9] * rsq + cam[10] * rsq * rsq;
    [
        cam[6] * p0 * distortion + cam[7],
        cam[6] * p1 * distortion + cam[8],
    ]
}

/// One observation's weighted reprojection error.
#[differentiable]
pub fn reproj(cam: [f64; 11], x: [f64; 3], w: f64, #[nograd] feat: [f64; 2]) -> [f64; 2] {
    let p: [f64; 2] = project(cam, x);
    [w * (p[0] - feat[0]), w * (p[1] - feat[1])]
}

/// One observation's weight error.
#[differentiable]
pub fn w_err(w: f64) -> f64 {
    1.0 - w * w
}

/// The problem, expanded: `n` cameras, `m` points, `p` observations.
struct Problem {
    cams: Vec<[f64; 11]>,
    xs: Vec<[f64; 3]>,
    ws: Vec<f64>,
    feats: Vec<[f64; 2]>,
    /// Camera and point of each observation.
    obs: Vec<(usize, usize)>,
}

fn count(input: &Value, key: &str) -> Result<usize, String> {
    input[key]
        .as_u64()
        .and_then(|v| usize::try_from(v).ok())
        .filter(|&v| v >= 1)
        .ok_or_else(|| format!("`{key}` must be a positive integer, not {}", input[key]))
}

fn fixed<const N: usize>(input: &Value, key: &str) -> Result<[f64; N], String> {
    let v = floats(&input[key], key)?;
    v.try_into()
        .map_err(|v: Vec<f64>| format!("`{key}` must hold {N} numbers, not {}", v.len()))
}

impl Problem {
    fn read(input: &Value) -> Result<Problem, String> {
        let (n, m, p) = (count(input, "n")?, count(input, "m")?, count(input, "p")?);
        let cam = fixed::<11>(input, "cam")?;
        let x = fixed::<3>(input, "x")?;
        let feat = fixed::<2>(input, "feat")?;
        let w = float(&input["w"], "w")?;
        Ok(Problem {
            cams: vec![cam; n],
            xs: vec![x; m],
            ws: vec![w; p],
            feats: vec![feat; p],
            obs: (0..p).map(|i| (i % n, i % m)).collect(),
        })
    }

    /// Every residual: `2p` reprojection errors, `p` weight errors.
    fn objective(&self, reproj_err: &mut [[f64; 2]], w_errs: &mut [f64]) {
        for (i, &(c, x)) in self.obs.iter().enumerate() {
            reproj_err[i] = reproj(self.cams[c], self.xs[x], self.ws[i], self.feats[i]);
            w_errs[i] = w_err(self.ws[i]);
        }
    }

    /// The Jacobian in CSR: `rows` (3p + 1), `cols` and `vals` (31p).
    fn jacobian(&self, rows: &mut [usize], cols: &mut [usize], vals: &mut [f64]) {
        let (n, m, p) = (self.cams.len(), self.xs.len(), self.obs.len());
        for (i, &(c, x)) in self.obs.iter().enumerate() {
            let (_, j) = reproj_jacobian(self.cams[c], self.xs[x], self.ws[i], self.feats[i]);
            for (r, row) in j.iter().enumerate() {
                let at = 30 * i + 15 * r;
                rows[2 * i + r] = at;
                for k in 0..11 {
                    cols[at + k] = 11 * c + k;
                }
                for k in 0..3 {
                    cols[at + 11 + k] = 11 * n + 3 * x + k;
                }
                cols[at + 14] = 11 * n + 3 * m + i;
                vals[at..at + 15].copy_from_slice(row);
            }
        }
        for i in 0..p {
            let at = 30 * p + i;
            rows[2 * p + i] = at;
            cols[at] = 11 * n + 3 * m + i;
            vals[at] = w_err_grad(self.ws[i]).1;
        }
        rows[3 * p] = 31 * p;
    }
}

/// The first 30 entries of `xs`, then its last.
fn excerpt<T: Copy + Into<Value>>(xs: &[T]) -> Value {
    let mut v: Vec<Value> = xs.iter().take(30).map(|&x| x.into()).collect();
    if let Some(&last) = xs.last() {
        v.push(last.into());
    }
    Value::Array(v)
}

/// `objective` and `jacobian`.
pub fn evaluate(function: &str, input: &Value, runner: &Runner) -> Result<Evaluated, String> {
    let pb = Problem::read(input)?;
    let p = pb.obs.len();
    match function {
        "objective" => {
            let mut reproj_err = vec![[0.0; 2]; p];
            let mut w_errs = vec![0.0; p];
            let (_, timings) = runner.run(|| pb.objective(&mut reproj_err, &mut w_errs));
            Ok(Evaluated {
                output: json!({
                    "reproj_error": {"elements": reproj_err[0], "repeated": p},
                    "w_err": {"element": w_errs[0], "repeated": p},
                }),
                timings,
            })
        }
        "jacobian" => {
            let mut rows = vec![0_usize; 3 * p + 1];
            let mut cols = vec![0_usize; 31 * p];
            let mut vals = vec![0.0; 31 * p];
            let (_, timings) = runner.run(|| pb.jacobian(&mut rows, &mut cols, &mut vals));
            Ok(Evaluated {
                output: json!({
                    "rows": excerpt(&rows),
                    "cols": excerpt(&cols),
                    "vals": excerpt(&vals),
                }),
                timings,
            })
        }
        other => Err(format!(
            "no function `{other}`: ba has `objective` and `jacobian`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evals::testing::{assert_gradient_matches_central_differences, pseudo_random};

    /// `reproj` written out in one piece, from the eval's description.
    fn by_the_formula(v: &[f64], feat: [f64; 2]) -> [f64; 2] {
        let (r, c, x, w) = (&v[0..3], &v[3..6], &v[11..14], v[14]);
        let y = [x[0] - c[0], x[1] - c[1], x[2] - c[2]];
        let theta = (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]).sqrt();
        let o = [r[0] / theta, r[1] / theta, r[2] / theta];
        let cross = [
            o[1] * y[2] - o[2] * y[1],
            o[2] * y[0] - o[0] * y[2],
            o[0] * y[1] - o[1] * y[0],
        ];
        let dot = o[0] * y[0] + o[1] * y[1] + o[2] * y[2];
        let z: Vec<f64> = (0..3)
            .map(|i| y[i] * theta.cos() + cross[i] * theta.sin() + o[i] * dot * (1.0 - theta.cos()))
            .collect();
        let p = [z[0] / z[2], z[1] / z[2]];
        let rsq = p[0] * p[0] + p[1] * p[1];
        let d = 1.0 + v[9] * rsq + v[10] * rsq * rsq;
        [
            w * (v[6] * p[0] * d + v[7] - feat[0]),
            w * (v[6] * p[1] * d + v[8] - feat[1]),
        ]
    }

    fn point() -> (Vec<f64>, [f64; 2]) {
        let mut v: Vec<f64> = pseudo_random(15, 5).iter().map(|x| x - 0.5).collect();
        v[6] += 300.0;
        v[13] += 8.0; // the point well in front of the camera
        v[14] += 1.0;
        (v, [10.0, -20.0])
    }

    fn parts(v: &[f64]) -> ([f64; 11], [f64; 3], f64) {
        let cam: [f64; 11] = v[0..11].try_into().expect("11");
        let x: [f64; 3] = v[11..14].try_into().expect("3");
        (cam, x, v[14])
    }

    #[test]
    fn residual_is_the_eval_s_formula() {
        let (v, feat) = point();
        let (cam, x, w) = parts(&v);
        let e = by_the_formula(&v, feat);
        let a = reproj(cam, x, w, feat);
        for k in 0..2 {
            assert!(
                (a[k] - e[k]).abs() <= 1e-12 * (1.0 + e[k].abs()),
                "{a:?} vs {e:?}"
            );
        }
        // a zero rotation takes the first-order branch: the identity here
        let cam0 = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        assert_eq!(reproj(cam0, [1.0, 2.0, 4.0], 1.0, [0.0, 0.0]), [0.25, 0.5]);
    }

    #[test]
    fn jacobian_matches_central_differences() {
        let (v, feat) = point();
        let (cam, x, w) = parts(&v);
        let (_, j) = reproj_jacobian(cam, x, w, feat);
        for (r, row) in j.iter().enumerate() {
            assert_gradient_matches_central_differences(&v, row, |v| {
                let (cam, x, w) = parts(v);
                reproj(cam, x, w, feat)[r]
            });
        }
        // and through the zero-rotation branch
        let mut v0 = v.clone();
        v0[0..3].fill(0.0);
        let (cam, x, w) = parts(&v0);
        let (_, j) = reproj_jacobian(cam, x, w, feat);
        assert!(j[0][0..3].iter().any(|&d| d != 0.0));
        for (r, row) in j.iter().enumerate() {
            // differences across θ = 0 leave the branch: compare columns 3.. only
            let cols: Vec<usize> = (3..15).collect();
            let h = 1e-6;
            for &k in &cols {
                let mut up = v0.clone();
                up[k] += h;
                let mut down = v0.clone();
                down[k] -= h;
                let f = |v: &[f64]| {
                    let (cam, x, w) = parts(v);
                    reproj(cam, x, w, feat)[r]
                };
                let fd = (f(&up) - f(&down)) / (2.0 * h);
                assert!(
                    (row[k] - fd).abs() <= 1e-6 * (1.0 + fd.abs()),
                    "row {r} col {k}"
                );
            }
        }
    }
}
