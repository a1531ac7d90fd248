//! Derived functions against hand-written code: `mode = forward` on the
//! two-input 30-step composition (against a two-tangent forward pass by
//! hand and the reverse sweep), the Hessian of 2-variable Rosenbrock and
//! the HVP of extended Rosenbrock, n = 100 (against closed forms by hand,
//! and against the gradient alone for the HVP / gradient ratio).
//!
//! ```text
//! cargo bench -p macrograd-benches --bench higher
//! ```
//!
//! Before measuring, `check_agreement` asserts that each hand-written
//! function agrees with the generated one.

use std::hint::black_box;

use criterion::Criterion;
use macrograd::differentiable;

/// Dimension of the extended Rosenbrock case.
const N: usize = 100;

// ---------------------------------------------------------------------------
// Two-input 30-step composition: x ← (sin(x)·x + cos(x))·a

#[differentiable]
fn compose(x: f64, a: f64) -> f64 {
    let mut x = x;
    for _ in 0..30 {
        x = (x.sin() * x + x.cos()) * a;
    }
    x
}

#[differentiable(mode = forward)]
fn compose_fwd(x: f64, a: f64) -> f64 {
    let mut x = x;
    for _ in 0..30 {
        x = (x.sin() * x + x.cos()) * a;
    }
    x
}

#[differentiable(mode = reverse)]
fn compose_rev(x: f64, a: f64) -> f64 {
    let mut x = x;
    for _ in 0..30 {
        x = (x.sin() * x + x.cos()) * a;
    }
    x
}

/// Two tangents (∂/∂x₀, ∂/∂a) carried along: with u = sin(x)·x + cos(x),
/// u′ = x·cos(x), so ẋ ← a·x·cos(x)·ẋ (+ u for ∂/∂a).
fn compose_hand(x0: f64, a: f64) -> (f64, (f64, f64)) {
    let (mut x, mut dx0, mut da) = (x0, 1.0, 0.0);
    for _ in 0..30 {
        let (s, c) = x.sin_cos();
        let u = s * x + c;
        let k = a * x * c;
        dx0 *= k;
        da = k * da + u;
        x = u * a;
    }
    (x, (dx0, da))
}

// ---------------------------------------------------------------------------
// Rosenbrock, 2 variables

#[differentiable(hessian)]
fn rosenbrock(x: f64, y: f64) -> f64 {
    let a = 1.0 - x;
    let b = y - x * x;
    a * a + 100.0 * b * b
}

/// Value, gradient and Hessian in closed form.
#[allow(clippy::type_complexity)]
fn rosenbrock_hessian_hand(x: f64, y: f64) -> (f64, (f64, f64), [[f64; 2]; 2]) {
    let a = 1.0 - x;
    let b = y - x * x;
    let dy = 200.0 * b;
    let hxy = -400.0 * x;
    (
        a * a + 100.0 * b * b,
        (-2.0 * a - 2.0 * x * dy, dy),
        [[2.0 - 400.0 * b + 800.0 * x * x, hxy], [hxy, 200.0]],
    )
}

// ---------------------------------------------------------------------------
// Extended Rosenbrock, n = 100: Σ_{i<n−1} 100·(x[i+1] − x[i]²)² + (1 − x[i])²

#[differentiable(hessian)]
fn rosen_ext(x: [f64; 100]) -> f64 {
    let mut sum = 0.0;
    for i in 0..99 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        sum += 100.0 * a * a + b * b;
    }
    sum
}

/// Value, gradient and H·v: term i has ∂²/∂x[i]² = 2 − 400·a + 800·x[i]²,
/// ∂²/∂x[i]∂x[i+1] = −400·x[i], ∂²/∂x[i+1]² = 200.
fn rosen_ext_hvp_hand(x: [f64; N], v: [f64; N]) -> (f64, [f64; N], [f64; N]) {
    let mut sum = 0.0;
    let mut g = [0.0; N];
    let mut hv = [0.0; N];
    for i in 0..N - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        sum += 100.0 * a * a + b * b;
        let da = 200.0 * a;
        g[i] += -2.0 * x[i] * da - 2.0 * b;
        g[i + 1] += da;
        let off = -400.0 * x[i];
        hv[i] += (2.0 - 400.0 * a + 800.0 * x[i] * x[i]) * v[i] + off * v[i + 1];
        hv[i + 1] += off * v[i] + 200.0 * v[i + 1];
    }
    (sum, g, hv)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + b.abs())
}

fn check_agreement() {
    let (v, (gx, ga)) = compose_hand(0.4, 0.9);
    for (w, (hx, ha)) in [
        compose_fwd_grad(0.4, 0.9),
        compose_rev_grad(0.4, 0.9),
        compose_grad(0.4, 0.9),
    ] {
        assert!(close(v, w) && close(gx, hx) && close(ga, ha), "compose");
    }
    let (v, g, h) = rosenbrock_hessian(-1.2, 1.0);
    let (w, gh, hh) = rosenbrock_hessian_hand(-1.2, 1.0);
    assert!(close(v, w) && close(g.0, gh.0) && close(g.1, gh.1));
    assert!(h
        .iter()
        .flatten()
        .zip(hh.iter().flatten())
        .all(|(a, b)| close(*a, *b)));
    let x: [f64; N] = std::array::from_fn(|i| 0.5 + (i as f64 * 0.37).sin());
    let dir: [f64; N] = std::array::from_fn(|i| (i as f64 * 0.11).cos());
    let (v, g, hv) = rosen_ext_hvp(x, dir);
    let (w, gh, hvh) = rosen_ext_hvp_hand(x, dir);
    assert!(close(v, w));
    assert!(g.iter().zip(&gh).all(|(a, b)| close(*a, *b)), "gradient");
    assert!(hv.iter().zip(&hvh).all(|(a, b)| close(*a, *b)), "hvp");
}

fn main() {
    check_agreement();
    let mut c = Criterion::default().configure_from_args();
    let mut g = c.benchmark_group("higher/compose2");
    g.bench_function("generated", |b| {
        b.iter(|| compose_grad(black_box(0.4), black_box(0.9)))
    });
    g.bench_function("generated_forward", |b| {
        b.iter(|| compose_fwd_grad(black_box(0.4), black_box(0.9)))
    });
    g.bench_function("generated_reverse", |b| {
        b.iter(|| compose_rev_grad(black_box(0.4), black_box(0.9)))
    });
    g.bench_function("hand_forward", |b| {
        b.iter(|| compose_hand(black_box(0.4), black_box(0.9)))
    });
    g.finish();
    let mut g = c.benchmark_group("higher/rosenbrock_hessian");
    g.bench_function("generated", |b| {
        b.iter(|| rosenbrock_hessian(black_box(-1.2), black_box(1.0)))
    });
    g.bench_function("hand", |b| {
        b.iter(|| rosenbrock_hessian_hand(black_box(-1.2), black_box(1.0)))
    });
    g.finish();
    let x: [f64; N] = std::array::from_fn(|i| 0.5 + (i as f64 * 0.37).sin());
    let dir: [f64; N] = std::array::from_fn(|i| (i as f64 * 0.11).cos());
    let mut g = c.benchmark_group("higher/rosen_ext_hvp");
    g.bench_function("generated", |b| {
        b.iter(|| rosen_ext_hvp(black_box(x), black_box(dir)))
    });
    g.bench_function("hand", |b| {
        b.iter(|| rosen_ext_hvp_hand(black_box(x), black_box(dir)))
    });
    g.bench_function("gradient", |b| b.iter(|| rosen_ext_grad(black_box(x))));
    g.finish();
    c.final_summary();
}
