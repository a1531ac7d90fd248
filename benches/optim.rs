//! Optimizer step throughput on 1M `f32` parameters, against the plain loop
//! that does the same arithmetic, in bytes of memory traffic per second
//! (criterion's GB/s): SGD reads `p, g` and writes `p`; SGD with momentum
//! also reads and writes the buffer; Adam reads `p, g, m, v` and writes
//! `p, m, v`. The issue's target is runtime ≥ 0.9 × plain.
//!
//! ```text
//! cargo bench -p macrograd-benches --bench optim
//! ```

use criterion::{black_box, Criterion, Throughput};
use macrograd_runtime::optim::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig};

const N: usize = 1 << 20;

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let g: Vec<f32> = (0..N).map(|i| ((i % 97) as f32 - 48.0) * 1e-3).collect();

    let mut group = c.benchmark_group("optim/sgd/1M");
    group.throughput(Throughput::Bytes((3 * 4 * N) as u64));
    let mut p = vec![0.5_f32; N];
    group.bench_function("plain", |b| {
        b.iter(|| {
            for (p, &g) in p.iter_mut().zip(&g) {
                *p -= 0.01 * g;
            }
            black_box(&p);
        })
    });
    let mut opt = Sgd::<f32>::with_lr(0.01);
    group.bench_function("runtime", |b| b.iter(|| opt.step(&mut p, &g).unwrap()));
    group.finish();

    let mut group = c.benchmark_group("optim/sgd_momentum/1M");
    group.throughput(Throughput::Bytes((5 * 4 * N) as u64));
    let mut buf = vec![0.0_f32; N];
    group.bench_function("plain", |b| {
        b.iter(|| {
            for ((p, &g), m) in p.iter_mut().zip(&g).zip(buf.iter_mut()) {
                *m = 0.9 * *m + g;
                *p -= 0.01 * *m;
            }
            black_box(&p);
        })
    });
    let cfg = SgdConfig {
        lr: 0.01,
        momentum: 0.9,
        ..SgdConfig::default()
    };
    let mut opt = Sgd::<f32>::new(cfg).unwrap();
    group.bench_function("runtime", |b| b.iter(|| opt.step(&mut p, &g).unwrap()));
    group.finish();

    let mut group = c.benchmark_group("optim/adam/1M");
    group.throughput(Throughput::Bytes((7 * 4 * N) as u64));
    let (mut m, mut v) = (vec![0.0_f32; N], vec![0.0_f32; N]);
    let mut t = 0;
    group.bench_function("plain", |b| {
        b.iter(|| {
            t += 1;
            let (b1, b2, lr, eps) = (0.9_f32, 0.999_f32, 1e-3_f32, 1e-8_f32);
            let step_size = lr / (1.0 - b1.powi(t));
            let bc2 = (1.0 - b2.powi(t)).sqrt();
            for (((p, &g), m), v) in p.iter_mut().zip(&g).zip(m.iter_mut()).zip(v.iter_mut()) {
                *m += (1.0 - b1) * (g - *m);
                *v = b2 * *v + (1.0 - b2) * g * g;
                *p -= step_size * *m / (v.sqrt() / bc2 + eps);
            }
            black_box(&p);
        })
    });
    let mut opt = Adam::<f32>::new(AdamConfig {
        lr: 1e-3,
        ..AdamConfig::default()
    })
    .unwrap();
    group.bench_function("runtime", |b| b.iter(|| opt.step(&mut p, &g).unwrap()));
    group.finish();

    c.final_summary();
}
