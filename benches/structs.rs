//! Struct parameters and methods (issue 8): a 3-link planar arm's
//! forward-kinematics loss, written as a method of a `Differentiable`
//! struct of links, against its adjoint written by hand.
//!
//! Groups are `structs/<case>/<impl>` with `<impl>` one of `generated`,
//! `hand` and `forward` (the loss alone). `arm` is the loss written in one
//! method; `arm_calls` computes the tip through two helper methods
//! (`tip_x`, `tip_y`), so the gradient goes through their pullbacks and
//! `Differentiable::add_scaled`. Target: generated / hand ≤ 1.10.
//!
//! ```text
//! cargo bench -p macrograd-benches --bench structs
//! ```

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
    c.final_summary();
}
