//! Run-time loops: the gradients `#[differentiable]` writes for loops over
//! data and over time steps, against the function alone and against the
//! adjoint written by hand.
//!
//! Groups are `loops/<case>/<impl>` with `<impl>` one of `generated`,
//! `forward` (the function, value only) and `hand`. Targets (issue 7):
//! least squares over 10⁶ points at most 2× the function and 1.10× the hand
//! adjoint, with no allocation per call; Euler and RK4 over 10⁴ steps at
//! most 4× the function and 1.10× the hand adjoint; extended Rosenbrock n = 100 (a `for` loop over a
//! slice) within 1.05× the hand loop.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-bench cargo bench -p macrograd-benches --bench loops
//! ```

use std::hint::black_box;

use criterion::Criterion;
use macrograd::differentiable;

#[differentiable]
fn least_squares(w: f64, b: f64, #[nograd] xs: &[f64], #[nograd] ys: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..xs.len() {
        let r = w * xs[i] + b - ys[i];
        s += r * r;
    }
    s
}

/// ∂/∂w = Σ 2·r·x, ∂/∂b = Σ 2·r, in one pass.
fn least_squares_hand(w: f64, b: f64, xs: &[f64], ys: &[f64]) -> (f64, (f64, f64)) {
    let (mut s, mut dw, mut db) = (0.0, 0.0, 0.0);
    for (x, y) in xs.iter().zip(ys) {
        let r = w * x + b - y;
        s += r * r;
        dw += 2.0 * r * x;
        db += 2.0 * r;
    }
    (s, (dw, db))
}

/// A damped pendulum, explicit Euler.
#[differentiable]
fn euler(x0: f64, v0: f64, k: f64, c: f64, #[nograd] h: f64, steps: usize) -> f64 {
    let mut x = x0;
    let mut v = v0;
    for _ in 0..steps {
        let a = -k * x.sin() - c * v;
        x += h * v;
        v += h * a;
    }
    x
}

/// [`euler`]'s gradient with respect to `(x0, v0, k, c)`, by hand: the
/// states before each step kept in a vector, then one reverse sweep.
fn euler_hand(
    x0: f64,
    v0: f64,
    k: f64,
    c: f64,
    h: f64,
    steps: usize,
) -> (f64, (f64, f64, f64, f64)) {
    let mut states = Vec::with_capacity(steps);
    let (mut x, mut v) = (x0, v0);
    for _ in 0..steps {
        states.push((x, v));
        let a = -k * x.sin() - c * v;
        x += h * v;
        v += h * a;
    }
    // adjoints of the state after the step being undone
    let (mut xb, mut vb, mut kb, mut cb) = (1.0, 0.0, 0.0, 0.0);
    for &(x, v) in states.iter().rev() {
        // v' = v + h·a, x' = x + h·v, a = −k·sin x − c·v
        let ab = h * vb;
        let (sin, cos) = x.sin_cos();
        kb -= ab * sin;
        cb -= ab * v;
        let xb_before = xb - ab * k * cos;
        vb += h * xb - ab * c;
        xb = xb_before;
    }
    (x, (xb, vb, kb, cb))
}

/// `y' = −k·y²`, classical Runge–Kutta.
#[differentiable]
fn rk4(y0: f64, k: f64, #[nograd] h: f64, steps: usize) -> f64 {
    let mut y = y0;
    for _ in 0..steps {
        let k1 = -k * y * y;
        let y2 = y + 0.5 * h * k1;
        let k2 = -k * y2 * y2;
        let y3 = y + 0.5 * h * k2;
        let k3 = -k * y3 * y3;
        let y4 = y + h * k3;
        let k4 = -k * y4 * y4;
        y += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
    }
    y
}

/// [`rk4`]'s gradient with respect to `(y0, k)`, by hand: the state before
/// each step kept, the stages recomputed in the reverse sweep.
fn rk4_hand(y0: f64, k: f64, h: f64, steps: usize) -> (f64, (f64, f64)) {
    let mut states = Vec::with_capacity(steps);
    let mut y = y0;
    for _ in 0..steps {
        states.push(y);
        let k1 = -k * y * y;
        let y2 = y + 0.5 * h * k1;
        let k2 = -k * y2 * y2;
        let y3 = y + 0.5 * h * k2;
        let k3 = -k * y3 * y3;
        let y4 = y + h * k3;
        let k4 = -k * y4 * y4;
        y += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
    }
    let (mut yb, mut kb) = (1.0, 0.0);
    for &y in states.iter().rev() {
        let k1 = -k * y * y;
        let y2 = y + 0.5 * h * k1;
        let k2 = -k * y2 * y2;
        let y3 = y + 0.5 * h * k2;
        let k3 = -k * y3 * y3;
        let y4 = y + h * k3;
        // y' = y + h/6·(k1 + 2k2 + 2k3 + k4), kᵢ = −k·yᵢ², y_{i+1} = y + cᵢ·h·kᵢ
        let k4b = h / 6.0 * yb;
        let y4b = -2.0 * k * y4 * k4b;
        let k3b = h / 3.0 * yb + h * y4b;
        let y3b = -2.0 * k * y3 * k3b;
        let k2b = h / 3.0 * yb + 0.5 * h * y3b;
        let y2b = -2.0 * k * y2 * k2b;
        let k1b = h / 6.0 * yb + 0.5 * h * y2b;
        kb -= k1b * y * y + k2b * y2 * y2 + k3b * y3 * y3 + k4b * y4 * y4;
        yb += y4b + y3b + y2b - 2.0 * k * y * k1b;
    }
    (y, (yb, kb))
}

/// `a` and `b` agree to `rel` relative to `b`'s size (at least 1).
fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1.0)
}

#[differentiable]
fn rosen(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

fn rosen_hand(x: &[f64], d: &mut [f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
        d[i] += -400.0 * a * x[i] - 2.0 * b;
        d[i + 1] += 200.0 * a;
    }
    s
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let n = 1_000_000;
    let xs: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
    let ys: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).cos()).collect();
    let (gen, hand) = (
        least_squares_grad(0.7, -0.2, &xs, &ys),
        least_squares_hand(0.7, -0.2, &xs, &ys),
    );
    assert!((gen.1 .0 - hand.1 .0).abs() <= 1e-9 * hand.1 .0.abs());
    let mut g = c.benchmark_group("loops/least_squares_1e6");
    g.bench_function("generated", |b| {
        b.iter(|| least_squares_grad(black_box(0.7), -0.2, &xs, &ys))
    });
    g.bench_function("forward", |b| {
        b.iter(|| least_squares(black_box(0.7), -0.2, &xs, &ys))
    });
    g.bench_function("hand", |b| {
        b.iter(|| least_squares_hand(black_box(0.7), -0.2, &xs, &ys))
    });
    g.finish();

    // the hand-written adjoints agree with the generated gradients (and
    // those with central differences, in tests/runtime_loops)
    let (gen, hand) = (
        euler_grad(0.5, 0.1, 1.0, 0.1, 1e-3, 10_000),
        euler_hand(0.5, 0.1, 1.0, 0.1, 1e-3, 10_000),
    );
    let (g4, h4) = (gen.1, hand.1);
    assert!(close(gen.0, hand.0, 1e-12));
    for (a, b) in [(g4.0, h4.0), (g4.1, h4.1), (g4.2, h4.2), (g4.3, h4.3)] {
        assert!(close(a, b, 1e-9), "euler: generated {a}, by hand {b}");
    }
    let (gen, hand) = (
        rk4_grad(0.5, 0.3, 1e-3, 10_000),
        rk4_hand(0.5, 0.3, 1e-3, 10_000),
    );
    assert!(close(gen.0, hand.0, 1e-12));
    for (a, b) in [(gen.1 .0, hand.1 .0), (gen.1 .1, hand.1 .1)] {
        assert!(close(a, b, 1e-9), "rk4: generated {a}, by hand {b}");
    }

    let mut g = c.benchmark_group("loops/euler_1e4");
    g.bench_function("generated", |b| {
        b.iter(|| euler_grad(black_box(0.5), 0.1, 1.0, 0.1, 1e-3, 10_000))
    });
    g.bench_function("hand", |b| {
        b.iter(|| euler_hand(black_box(0.5), 0.1, 1.0, 0.1, 1e-3, 10_000))
    });
    g.bench_function("forward", |b| {
        b.iter(|| euler(black_box(0.5), 0.1, 1.0, 0.1, 1e-3, 10_000))
    });
    g.finish();

    let mut g = c.benchmark_group("loops/rk4_1e4");
    g.bench_function("generated", |b| {
        b.iter(|| rk4_grad(black_box(0.5), 0.3, 1e-3, 10_000))
    });
    g.bench_function("hand", |b| {
        b.iter(|| rk4_hand(black_box(0.5), 0.3, 1e-3, 10_000))
    });
    g.bench_function("forward", |b| {
        b.iter(|| rk4(black_box(0.5), 0.3, 1e-3, 10_000))
    });
    g.finish();

    let x: Vec<f64> = (0..100).map(|i| 0.5 + 0.01 * i as f64).collect();
    let mut d = vec![0.0; 100];
    let mut g = c.benchmark_group("loops/rosen_slice_100");
    g.bench_function("generated", |b| {
        b.iter(|| rosen_grad_into(black_box(&x), &mut d))
    });
    g.bench_function("hand", |b| b.iter(|| rosen_hand(black_box(&x), &mut d)));
    g.bench_function("forward", |b| b.iter(|| rosen(black_box(&x))));
    g.finish();
    c.final_summary();
}
