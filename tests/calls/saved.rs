//! Vector helpers called once per call (`f::forward`): BA's `rotate` (with
//! a run-time `if`) called by `project`, called by a loss. The caller's
//! reverse sweep calls the closure `f::forward` returned instead of
//! evaluating the helper again; these check its gradients, both branches
//! of the `if`, a call inside the caller's own `if` (which keeps `f::vjp`),
//! a helper whose VJP is asked twice (the caller's Jacobian: one closure
//! called per row), and f32, against central differences of the value.

use super::common::{assert_all_close, numeric_grad, numeric_grad_f32};

macro_rules! ba_helpers {
    ($F:ident) => {
        use macrograd::differentiable;

        /// `y` rotated by the angle-axis vector `r` (Rodrigues), `y + r × y`
        /// when `r` is zero.
        #[differentiable]
        pub fn rotate(r: [$F; 3], y: [$F; 3]) -> [$F; 3] {
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

        /// The point `x` seen by camera `cam = [r | C | f | k]`, scaled by
        /// a `#[nograd]` factor.
        #[differentiable]
        pub fn project(cam: [$F; 8], x: [$F; 3], #[nograd] scale: $F) -> [$F; 2] {
            let z: [$F; 3] = rotate(
                [cam[0], cam[1], cam[2]],
                [x[0] - cam[3], x[1] - cam[4], x[2] - cam[5]],
            );
            let p0 = z[0] / z[2];
            let p1 = z[1] / z[2];
            let d = 1.0 + cam[7] * (p0 * p0 + p1 * p1);
            [scale * cam[6] * p0 * d, scale * cam[6] * p1 * d]
        }

        /// The squared reprojection error.
        #[differentiable]
        pub fn reproj(cam: [$F; 8], x: [$F; 3], #[nograd] feat: [$F; 2]) -> $F {
            let p: [$F; 2] = project(cam, x, 1.5);
            let e0 = p[0] - feat[0];
            let e1 = p[1] - feat[1];
            e0 * e0 + e1 * e1
        }

        /// The helper called in a branch of the caller (its VJP recomputes
        /// it there) and once outside.
        #[differentiable]
        pub fn branchy(cam: [$F; 8], x: [$F; 3]) -> $F {
            let q: [$F; 2] = project(cam, x, 1.0);
            if x[0] > 0.0 {
                let p: [$F; 2] = project(cam, [x[1], x[2], x[0]], 2.0);
                p[0] * q[1] + p[1]
            } else {
                q[0] * q[1]
            }
        }
    };
}

mod s64 {
    ba_helpers!(f64);
}

mod s32 {
    ba_helpers!(f32);
}

const CAM: [f64; 8] = [0.3, -0.2, 0.5, 0.1, -0.3, -4.0, 2.0, 0.05];
const X: [f64; 3] = [0.4, 0.7, 1.1];
const FEAT: [f64; 2] = [0.2, -0.1];

fn split(v: &[f64]) -> ([f64; 8], [f64; 3]) {
    let mut cam = [0.0; 8];
    cam.copy_from_slice(&v[..8]);
    (cam, [v[8], v[9], v[10]])
}

fn point(cam: [f64; 8], x: [f64; 3]) -> Vec<f64> {
    cam.iter().chain(&x).copied().collect()
}

#[test]
fn reprojection_through_two_saved_helpers_matches_differences() {
    // a rotation, and none (the `else` branch of `rotate`)
    let mut zero = CAM;
    zero[..3].copy_from_slice(&[0.0; 3]);
    for cam in [CAM, zero] {
        let (v, (gc, gx)) = s64::reproj_grad(cam, X, FEAT);
        assert_eq!(v, s64::reproj(cam, X, FEAT));
        let fd = numeric_grad(
            |p| {
                let (c, x) = split(p);
                s64::reproj(c, x, FEAT)
            },
            &point(cam, X),
        );
        assert_all_close(&point(gc, gx), &fd, 1e-7, "reproj gradient");
        // f32: the same derivative within f32's precision
        let c32 = cam.map(|a| a as f32);
        let x32 = X.map(|a| a as f32);
        let f32s = FEAT.map(|a| a as f32);
        let (_, (gc32, gx32)) = s32::reproj_grad(c32, x32, f32s);
        let g32: Vec<f64> = gc32.iter().chain(&gx32).map(|&d| d as f64).collect();
        assert_all_close(&g32, &fd, 2e-3, "reproj gradient f32");
        let fd32 = numeric_grad_f32(
            |p| {
                let mut c = [0.0; 8];
                c.copy_from_slice(&p[..8]);
                s32::reproj(c, [p[8], p[9], p[10]], f32s)
            },
            &point(cam, X).iter().map(|&a| a as f32).collect::<Vec<_>>(),
        );
        let fd32: Vec<f64> = fd32.iter().map(|&d| d as f64).collect();
        assert_all_close(&g32, &fd32, 5e-2, "reproj gradient f32 vs f32 differences");
    }
}

#[test]
fn saved_forward_of_a_vector_function_matches_its_vjp_and_jacobian() {
    // `project` goes through `rotate::forward`: its VJP (once) and its
    // Jacobian (two reverse sweeps calling one closure) match differences
    let cot = [0.7, -1.3];
    let (value, (gc, gx)) = s64::project_vjp(CAM, X, 1.5, cot);
    assert_eq!(value, s64::project(CAM, X, 1.5));
    let (jv, j) = s64::project_jacobian(CAM, X, 1.5);
    assert_eq!(jv, value);
    for (i, row) in j.iter().enumerate() {
        let fd = numeric_grad(
            |p| {
                let (c, x) = split(p);
                s64::project(c, x, 1.5)[i]
            },
            &point(CAM, X),
        );
        assert_all_close(row, &fd, 1e-7, &format!("project row {i}"));
    }
    let want: Vec<f64> = (0..11)
        .map(|c| cot[0] * j[0][c] + cot[1] * j[1][c])
        .collect();
    assert_all_close(&point(gc, gx), &want, 1e-12, "project vjp");
}

#[test]
fn helper_called_inside_a_branch_matches_differences() {
    for x in [X, [-0.4, 0.7, 1.1]] {
        let (v, (gc, gx)) = s64::branchy_grad(CAM, x);
        assert_eq!(v, s64::branchy(CAM, x));
        let fd = numeric_grad(
            |p| {
                let (c, x) = split(p);
                s64::branchy(c, x)
            },
            &point(CAM, x),
        );
        assert_all_close(&point(gc, gx), &fd, 1e-7, "branchy gradient");
    }
}
