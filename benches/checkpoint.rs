//! Checkpointing (`#[differentiable(checkpoint = k)]`) and state buffers:
//! memory against recomputation for a long state loop, and the gradient of
//! an ODE whose state is a local `vec!` buffer.
//!
//! Groups: `checkpoint/pendulum_1e5/<impl>` with `<impl>` `forward` (the
//! function), `tape` (the plain gradient: 2 states per step), `every_316`
//! and `every_32` (checkpointed: 2·(⌈n/k⌉ + k) states); and
//! `checkpoint/state_vector_64x1e3/<impl>` (`forward`, `generated`,
//! `every_32`: checkpointed, the buffers kept once per segment) for an
//! explicit Euler step over a state buffer of 64 values. The memory each
//! keeps is printed before the runs.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-bench cargo bench -p macrograd-benches --bench checkpoint
//! ```

// the bodies index buffers in loops and write `v[i] = v[i] …` on purpose: those are the forms tested
#![allow(
    clippy::needless_range_loop,
    clippy::assign_op_pattern,
    clippy::manual_memcpy
)]

use std::hint::black_box;

use criterion::Criterion;
use macrograd::differentiable;

/// A damped pendulum, explicit Euler: two state values per step; one body,
/// written out under each attribute below.
macro_rules! pendulum {
    ($(#[$attr:meta])* $name:ident) => {
        $(#[$attr])*
        fn $name(x0: f64, v0: f64, k: f64, c: f64, #[nograd] h: f64, steps: usize) -> f64 {
            let mut x = x0;
            let mut v = v0;
            for _ in 0..steps {
                let a = -k * x.sin() - c * v;
                x += h * v;
                v += h * a;
            }
            x
        }
    };
}

pendulum!(
    /// The pendulum with a plain tape.
    #[differentiable]
    pendulum
);
pendulum!(
    /// The same, checkpointed every 316 ≈ √10⁵ steps.
    #[differentiable(checkpoint = 316)]
    pendulum_316
);
pendulum!(
    /// The same, checkpointed every 32 steps.
    #[differentiable(checkpoint = 32)]
    pendulum_32
);

/// A chain of coupled decays `x_i' = −k·x_i + x_{i−1}` over a state buffer;
/// one body, written out under each attribute below.
macro_rules! chain {
    ($(#[$attr:meta])* $name:ident) => {
        $(#[$attr])*
        fn $name(x0: &[f64], k: f64, #[nograd] h: f64, steps: usize) -> f64 {
            let n = x0.len();
            let mut x = vec![0.0; n];
            for i in 0..n {
                x[i] = x0[i];
            }
            let mut dx = vec![0.0; n];
            for _ in 0..steps {
                for i in 0..n {
                    let left = if i > 0 { x[i - 1] } else { 0.0 };
                    dx[i] = -k * x[i] + left;
                }
                for i in 0..n {
                    x[i] += h * dx[i];
                }
            }
            let mut s = 0.0;
            for i in 0..n {
                s += x[i] * x[i];
            }
            s
        }
    };
}

chain!(
    /// The chain with a log of every step's state.
    #[differentiable]
    chain
);
chain!(
    /// The same, checkpointed every 32 steps: the state buffers once per
    /// segment.
    #[differentiable(checkpoint = 32)]
    chain_32
);

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let steps = 100_000;
    let kib = |values: usize| values * 8 / 1024;
    eprintln!(
        "pendulum, {steps} steps: the plain gradient keeps {} KiB of states, every_316 {} KiB, every_32 {} KiB",
        kib(2 * steps),
        kib(2 * (steps.div_ceil(316) + 316)),
        kib(2 * (steps.div_ceil(32) + 32)),
    );
    let plain = pendulum_grad(0.5, 0.1, 1.0, 0.1, 1e-4, steps);
    for other in [
        pendulum_316_grad(0.5, 0.1, 1.0, 0.1, 1e-4, steps),
        pendulum_32_grad(0.5, 0.1, 1.0, 0.1, 1e-4, steps),
    ] {
        // the same values; the gradient's sums are added per segment, which
        // only changes their rounding
        assert_eq!(plain.0, other.0);
        let (a, b) = (plain.1, other.1);
        for (x, y) in [(a.0, b.0), (a.1, b.1), (a.2, b.2), (a.3, b.3)] {
            assert!((x - y).abs() <= 1e-9 * x.abs().max(1.0), "{x} vs {y}");
        }
    }
    let mut g = c.benchmark_group("checkpoint/pendulum_1e5");
    g.bench_function("forward", |b| {
        b.iter(|| pendulum(black_box(0.5), 0.1, 1.0, 0.1, 1e-4, steps))
    });
    g.bench_function("tape", |b| {
        b.iter(|| pendulum_grad(black_box(0.5), 0.1, 1.0, 0.1, 1e-4, steps))
    });
    g.bench_function("every_316", |b| {
        b.iter(|| pendulum_316_grad(black_box(0.5), 0.1, 1.0, 0.1, 1e-4, steps))
    });
    g.bench_function("every_32", |b| {
        b.iter(|| pendulum_32_grad(black_box(0.5), 0.1, 1.0, 0.1, 1e-4, steps))
    });
    g.finish();

    let x0: Vec<f64> = (0..64).map(|i| 1.0 + 0.01 * i as f64).collect();
    let (n, steps) = (x0.len(), 1_000);
    eprintln!(
        "state vector {n} x {steps} steps: the gradient's undo logs keep {} KiB (before each own-element loop, the slice it overwrites: one value per element, one range per run)",
        ((2 * n * steps + n) * 8 + (2 * steps + 1) * 16) / 1024
    );
    eprintln!(
        "checkpoint = 32: both buffers once per segment and one segment's steps, {} KiB",
        (2 * n * (steps.div_ceil(32) + 32) * 8) / 1024
    );
    let (plain, other) = (
        chain_grad(&x0, 0.5, 1e-3, steps),
        chain_32_grad(&x0, 0.5, 1e-3, steps),
    );
    assert_eq!(plain.0, other.0);
    for (x, y) in plain
        .1
         .0
        .iter()
        .chain([&plain.1 .1])
        .zip(other.1 .0.iter().chain([&other.1 .1]))
    {
        assert!((x - y).abs() <= 1e-9 * x.abs().max(1.0), "{x} vs {y}");
    }
    let mut g = c.benchmark_group("checkpoint/state_vector_64x1e3");
    g.bench_function("forward", |b| {
        b.iter(|| chain(black_box(&x0), 0.5, 1e-3, steps))
    });
    g.bench_function("generated", |b| {
        b.iter(|| chain_grad(black_box(&x0), 0.5, 1e-3, steps))
    });
    g.bench_function("every_32", |b| {
        b.iter(|| chain_32_grad(black_box(&x0), 0.5, 1e-3, steps))
    });
    g.finish();
    c.final_summary();
}
