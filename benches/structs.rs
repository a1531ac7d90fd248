//! Struct parameters, methods and vector helpers (issue 8): a 3-link
//! planar arm's forward-kinematics loss, written as a method of a
//! `Differentiable` struct of links, and bundle adjustment's reprojection
//! error, each against its adjoint written by hand.
//!
//! Groups are `structs/<case>/<impl>` with `<impl>` one of `generated`,
//! `hand` and `forward` (the loss alone), and `generated_flat` for
//! `ba_project` (its body without helper calls). After them the bench
//! prints generated / hand for each case measured interleaved
//! (`paired/mod.rs`), the figure the README reports. `arm` is the loss
//! written in one method; `arm_calls` computes the tip through two helper methods
//! (`tip_x`, `tip_y`), so the gradient goes through their pullbacks and
//! `Differentiable::add_scaled`. `ba_project` is bundle adjustment's
//! squared reprojection error written, as GradBench's `ba` writes it, with a
//! `project()` helper returning `[f64; 2]` (which calls `rotate()`, returning
//! `[f64; 3]`): its gradient goes through both helpers' VJPs; the hand
//! version is the adjoint derived below in one function. Target:
//! generated / hand ≤ 1.10.
//!
//! ```text
//! cargo bench -p macrograd-benches --bench structs -- --warm-up-time 1 --measurement-time 3
//! ```

mod paired;

use std::hint::black_box;

use criterion::Criterion;
use macrograd::{differentiable, Differentiable};

/// One link: its length and its joint angle (relative to the previous link).
#[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
pub struct Link {
    /// Length.
    pub len: f64,
    /// Joint angle, radians.
    pub angle: f64,
}

/// A planar arm of three links.
#[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
pub struct Arm {
    /// Links from the base.
    pub links: [Link; 3],
}

impl Arm {
    /// Squared distance from the arm's tip to `(tx, ty)`.
    #[differentiable]
    pub fn loss(&self, #[nograd] tx: f64, #[nograd] ty: f64) -> f64 {
        let t1 = self.links[0].angle;
        let t2 = t1 + self.links[1].angle;
        let t3 = t2 + self.links[2].angle;
        let x = self.links[0].len * t1.cos()
            + self.links[1].len * t2.cos()
            + self.links[2].len * t3.cos();
        let y = self.links[0].len * t1.sin()
            + self.links[1].len * t2.sin()
            + self.links[2].len * t3.sin();
        (x - tx).powi(2) + (y - ty).powi(2)
    }

    /// The tip's x coordinate.
    #[differentiable]
    pub fn tip_x(&self) -> f64 {
        let t1 = self.links[0].angle;
        let t2 = t1 + self.links[1].angle;
        let t3 = t2 + self.links[2].angle;
        self.links[0].len * t1.cos() + self.links[1].len * t2.cos() + self.links[2].len * t3.cos()
    }

    /// The tip's y coordinate.
    #[differentiable]
    pub fn tip_y(&self) -> f64 {
        let t1 = self.links[0].angle;
        let t2 = t1 + self.links[1].angle;
        let t3 = t2 + self.links[2].angle;
        self.links[0].len * t1.sin() + self.links[1].len * t2.sin() + self.links[2].len * t3.sin()
    }

    /// [`Arm::loss`] through the helper methods.
    #[differentiable]
    pub fn loss_calls(&self, #[nograd] tx: f64, #[nograd] ty: f64) -> f64 {
        (self.tip_x() - tx).powi(2) + (self.tip_y() - ty).powi(2)
    }
}

/// The adjoint by hand: `∂/∂len_k = 2(dx·cos θ_k + dy·sin θ_k)`, and
/// `∂/∂angle_k = Σ_{j ≥ k} len_j·2(−dx·sin θ_j + dy·cos θ_j)`, with
/// `θ_j` the absolute angle of link `j`.
pub fn loss_hand(a: &Arm, tx: f64, ty: f64) -> (f64, Arm) {
    let l = &a.links;
    let t1 = l[0].angle;
    let t2 = t1 + l[1].angle;
    let t3 = t2 + l[2].angle;
    let (s1, c1) = t1.sin_cos();
    let (s2, c2) = t2.sin_cos();
    let (s3, c3) = t3.sin_cos();
    let dx = l[0].len * c1 + l[1].len * c2 + l[2].len * c3 - tx;
    let dy = l[0].len * s1 + l[1].len * s2 + l[2].len * s3 - ty;
    let (gx, gy) = (2.0 * dx, 2.0 * dy);
    let a3 = l[2].len * (gy * c3 - gx * s3);
    let a2 = a3 + l[1].len * (gy * c2 - gx * s2);
    let a1 = a2 + l[0].len * (gy * c1 - gx * s1);
    let link = |c: f64, s: f64, angle: f64| Link {
        len: gx * c + gy * s,
        angle,
    };
    (
        dx * dx + dy * dy,
        Arm {
            links: [link(c1, s1, a1), link(c2, s2, a2), link(c3, s3, a3)],
        },
    )
}

fn arm() -> Arm {
    let link = |len, angle| Link { len, angle };
    Arm {
        links: [link(1.0, 0.3), link(0.8, -0.5), link(0.5, 1.1)],
    }
}

// ---------------------------------------------------------------------------
// Bundle adjustment: one observation's squared reprojection error

/// `y` rotated by the angle-axis vector `r` (Rodrigues' formula; `y + r × y`
/// when `r` is exactly zero), as in GradBench's `ba`.
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

/// The squared weighted reprojection error of one observation:
/// `|w·(project(cam, x) − feat)|²`.
#[differentiable]
pub fn reproj_sq(cam: [f64; 11], x: [f64; 3], w: f64, #[nograd] feat: [f64; 2]) -> f64 {
    let p: [f64; 2] = project(cam, x);
    let e0 = w * (p[0] - feat[0]);
    let e1 = w * (p[1] - feat[1]);
    e0 * e0 + e1 * e1
}

/// [`reproj_sq`] with `project` and `rotate` written out in its body (no
/// helper calls): timed beside it, to tell what the helpers' calls cost.
#[differentiable]
pub fn reproj_sq_flat(cam: [f64; 11], x: [f64; 3], w: f64, #[nograd] feat: [f64; 2]) -> f64 {
    let r = [cam[0], cam[1], cam[2]];
    let y = [x[0] - cam[3], x[1] - cam[4], x[2] - cam[5]];
    let theta = (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]).sqrt();
    let (s, c) = theta.sin_cos();
    let u = [r[0] / theta, r[1] / theta, r[2] / theta];
    let k = (u[0] * y[0] + u[1] * y[1] + u[2] * y[2]) * (1.0 - c);
    let z0 = y[0] * c + (u[1] * y[2] - u[2] * y[1]) * s + u[0] * k;
    let z1 = y[1] * c + (u[2] * y[0] - u[0] * y[2]) * s + u[1] * k;
    let z2 = y[2] * c + (u[0] * y[1] - u[1] * y[0]) * s + u[2] * k;
    let p0 = z0 / z2;
    let p1 = z1 / z2;
    let rsq = p0 * p0 + p1 * p1;
    let distortion = 1.0 + cam[9] * rsq + cam[10] * rsq * rsq;
    let e0 = w * (cam[6] * p0 * distortion + cam[7] - feat[0]);
    let e1 = w * (cam[6] * p1 * distortion + cam[8] - feat[1]);
    e0 * e0 + e1 * e1
}

/// `a × b`.
fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// [`reproj_sq`] and its gradient `(∂cam, ∂x, ∂w)`, derived by hand (for
/// `r ≠ 0`, the case timed). With `y = x − C`, `θ = |r|`, `u = r/θ`,
/// `k = (u·y)(1 − cos θ)`, `z = y cos θ + (u × y) sin θ + u k`, `p = z₀₁/z₂`,
/// `ρ = |p|²`, `d = 1 + k₁ρ + k₂ρ²`, `e = w (f p d + (u₀, v₀) − feat)`:
/// from `ḡe = 2e` back, using `a·(u × y) = y·(a × u) = u·(y × a)`.
pub fn reproj_sq_hand(
    cam: [f64; 11],
    x: [f64; 3],
    w: f64,
    feat: [f64; 2],
) -> (f64, ([f64; 11], [f64; 3], f64)) {
    let r = [cam[0], cam[1], cam[2]];
    let y = [x[0] - cam[3], x[1] - cam[4], x[2] - cam[5]];
    let theta = dot(r, r).sqrt();
    let (s, c) = theta.sin_cos();
    let u = [r[0] / theta, r[1] / theta, r[2] / theta];
    let uy = dot(u, y);
    let k = uy * (1.0 - c);
    let uxy = cross(u, y);
    let z: [f64; 3] = std::array::from_fn(|i| y[i] * c + uxy[i] * s + u[i] * k);
    let (p0, p1) = (z[0] / z[2], z[1] / z[2]);
    let rsq = p0 * p0 + p1 * p1;
    let (f, k1, k2) = (cam[6], cam[9], cam[10]);
    let d = 1.0 + k1 * rsq + k2 * rsq * rsq;
    let q0 = f * p0 * d + cam[7] - feat[0];
    let q1 = f * p1 * d + cam[8] - feat[1];
    let (e0, e1) = (w * q0, w * q1);
    let value = e0 * e0 + e1 * e1;
    // back through e = w·q
    let (g0, g1) = (2.0 * e0 * w, 2.0 * e1 * w);
    let gw = 2.0 * (e0 * q0 + e1 * q1);
    // through q = f p d + (u0, v0)
    let gf = (g0 * p0 + g1 * p1) * d;
    let gd = f * (g0 * p0 + g1 * p1);
    let grsq = gd * (k1 + 2.0 * k2 * rsq);
    let gp0 = g0 * f * d + 2.0 * p0 * grsq;
    let gp1 = g1 * f * d + 2.0 * p1 * grsq;
    // through p = z₀₁ / z₂
    let gz = [gp0 / z[2], gp1 / z[2], -(gp0 * p0 + gp1 * p1) / z[2]];
    // through z = y c + (u × y) s + u k, k = (u·y)(1 − c)
    let gk = dot(gz, u);
    let guy = gk * (1.0 - c);
    let gc = dot(gz, y) - gk * uy;
    let gs = dot(gz, uxy);
    let gz_u = cross(gz, u);
    let y_gz = cross(y, gz);
    let gy: [f64; 3] = std::array::from_fn(|i| gz[i] * c + gz_u[i] * s + guy * u[i]);
    let gu: [f64; 3] = std::array::from_fn(|i| y_gz[i] * s + gz[i] * k + guy * y[i]);
    // through (s, c) = sin_cos θ and u = r / θ, θ = |r|
    let gtheta = gs * c - gc * s - dot(gu, u) / theta;
    let gr: [f64; 3] = std::array::from_fn(|i| gu[i] / theta + gtheta * u[i]);
    let gcam = [
        gr[0],
        gr[1],
        gr[2],
        -gy[0],
        -gy[1],
        -gy[2],
        gf,
        g0,
        g1,
        gd * rsq,
        gd * rsq * rsq,
    ];
    (value, (gcam, gy, gw))
}

/// A camera and a point in front of it, as in ADBench's `ba` inputs.
fn ba_point() -> ([f64; 11], [f64; 3], f64, [f64; 2]) {
    let cam = [
        -0.07, 0.12, 0.05, 0.4, -0.3, -4.5, 520.0, 12.0, -7.0, -0.25, 0.08,
    ];
    (cam, [0.3, -0.2, 1.1], 0.9, [40.0, -55.0])
}

/// The generated gradient equals the hand adjoint (to rounding) and central
/// differences of the value (to their error).
fn check_ba() {
    let (cam, x, w, feat) = ba_point();
    let (v, (gc, gx, gw)) = reproj_sq_grad(cam, x, w, feat);
    let (vh, (hc, hx, hw)) = reproj_sq_hand(cam, x, w, feat);
    let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()));
    let (vf, (fc, fx, fw)) = reproj_sq_flat_grad(cam, x, w, feat);
    let flat_grad: Vec<f64> = fc.iter().chain(&fx).copied().chain([fw]).collect();
    assert!(close(v, vh, 1e-12), "ba value {v} vs hand {vh}");
    let generated: Vec<f64> = gc.iter().chain(&gx).copied().chain([gw]).collect();
    let hand: Vec<f64> = hc.iter().chain(&hx).copied().chain([hw]).collect();
    assert!(close(vf, vh, 1e-12), "ba flat value {vf} vs hand {vh}");
    for (k, (a, b)) in generated.iter().zip(&hand).enumerate() {
        assert!(close(*a, *b, 1e-10), "ba ∂{k}: generated {a} vs hand {b}");
        assert!(
            close(flat_grad[k], *b, 1e-10),
            "ba ∂{k}: flat {} vs hand {b}",
            flat_grad[k]
        );
    }
    let mut flat: Vec<f64> = cam.iter().chain(&x).copied().chain([w]).collect();
    for k in 0..flat.len() {
        let h = 1e-6 * (1.0 + flat[k].abs());
        let at = |flat: &[f64]| {
            let c: [f64; 11] = flat[..11].try_into().expect("11 camera parameters");
            reproj_sq(c, [flat[11], flat[12], flat[13]], flat[14], feat)
        };
        let x0 = flat[k];
        flat[k] = x0 + h;
        let up = at(&flat);
        flat[k] = x0 - h;
        let down = at(&flat);
        flat[k] = x0;
        let fd = (up - down) / (2.0 * h);
        assert!(
            close(hand[k], fd, 1e-5),
            "ba ∂{k}: hand {} vs differences {fd}",
            hand[k]
        );
    }
}

fn bench_ba(c: &mut Criterion) {
    check_ba();
    let (cam, x, w, feat) = ba_point();
    let mut group = c.benchmark_group("structs/ba_project");
    group.bench_function("generated", |b| {
        b.iter(|| reproj_sq_grad(black_box(cam), black_box(x), black_box(w), black_box(feat)))
    });
    group.bench_function("hand", |b| {
        b.iter(|| reproj_sq_hand(black_box(cam), black_box(x), black_box(w), black_box(feat)))
    });
    group.bench_function("generated_flat", |b| {
        b.iter(|| reproj_sq_flat_grad(black_box(cam), black_box(x), black_box(w), black_box(feat)))
    });
    group.bench_function("forward", |b| {
        b.iter(|| reproj_sq(black_box(cam), black_box(x), black_box(w), black_box(feat)))
    });
    group.finish();
}

/// generated / hand for each case, from [`paired::paired_ratio`] (after
/// criterion's groups, when benches run).
fn paired_ratios() {
    let a = arm();
    let (cam, x, w, feat) = ba_point();
    let rows = [
        (
            "arm",
            paired::paired_ratio(
                || {
                    black_box(loss_hand(black_box(&a), black_box(1.2), black_box(0.9)));
                },
                || {
                    black_box(black_box(&a).loss_grad(black_box(1.2), black_box(0.9)));
                },
            ),
        ),
        (
            "arm_calls",
            paired::paired_ratio(
                || {
                    black_box(loss_hand(black_box(&a), black_box(1.2), black_box(0.9)));
                },
                || {
                    black_box(black_box(&a).loss_calls_grad(black_box(1.2), black_box(0.9)));
                },
            ),
        ),
        (
            "ba_project",
            paired::paired_ratio(
                || {
                    black_box(reproj_sq_hand(
                        black_box(cam),
                        black_box(x),
                        black_box(w),
                        black_box(feat),
                    ));
                },
                || {
                    black_box(reproj_sq_grad(
                        black_box(cam),
                        black_box(x),
                        black_box(w),
                        black_box(feat),
                    ));
                },
            ),
        ),
        (
            "ba_project (flat)",
            paired::paired_ratio(
                || {
                    black_box(reproj_sq_hand(
                        black_box(cam),
                        black_box(x),
                        black_box(w),
                        black_box(feat),
                    ));
                },
                || {
                    black_box(reproj_sq_flat_grad(
                        black_box(cam),
                        black_box(x),
                        black_box(w),
                        black_box(feat),
                    ));
                },
            ),
        ),
    ];
    println!(
        "generated / hand, {} interleaved pairs of blocks of about 0.1 ms:",
        paired::ROUNDS
    );
    for (case, [q1, median, q3]) in rows {
        println!("structs/{case:<18} median {median:.3}  (quartiles {q1:.3}–{q3:.3})");
    }
}

fn bench(c: &mut Criterion) {
    let a = arm();
    // the generated gradients agree with the hand adjoint before being timed
    let (v, g) = a.loss_grad(1.2, 0.9);
    let (vh, gh) = loss_hand(&a, 1.2, 0.9);
    let (vc, gc) = a.loss_calls_grad(1.2, 0.9);
    assert!((v - vh).abs() < 1e-12 && (vc - vh).abs() < 1e-12);
    for (x, y) in [(g, gh), (gc, gh)] {
        for k in 0..3 {
            assert!((x.links[k].len - y.links[k].len).abs() < 1e-12);
            assert!((x.links[k].angle - y.links[k].angle).abs() < 1e-12);
        }
    }
    let mut group = c.benchmark_group("structs/arm");
    group.bench_function("generated", |b| {
        b.iter(|| black_box(&a).loss_grad(black_box(1.2), black_box(0.9)))
    });
    group.bench_function("hand", |b| {
        b.iter(|| loss_hand(black_box(&a), black_box(1.2), black_box(0.9)))
    });
    group.bench_function("forward", |b| {
        b.iter(|| black_box(&a).loss(black_box(1.2), black_box(0.9)))
    });
    group.finish();
    let mut group = c.benchmark_group("structs/arm_calls");
    group.bench_function("generated", |b| {
        b.iter(|| black_box(&a).loss_calls_grad(black_box(1.2), black_box(0.9)))
    });
    group.bench_function("hand", |b| {
        b.iter(|| loss_hand(black_box(&a), black_box(1.2), black_box(0.9)))
    });
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    bench_ba(&mut c);
    c.final_summary();
    if std::env::args().any(|a| a == "--bench") {
        paired_ratios();
    }
}
