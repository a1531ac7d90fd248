//! Training throughput of `grad!` networks against the same math written
//! by hand (`benches/hand/`), in one run:
//!
//! - `network/moons/{generated,hand}`: micrograd's demo, 100 full-batch SGD
//!   steps in f64 from PyTorch's initial weights (PEERS.md, W1);
//! - `network/mnist/{generated,hand}`: one SGD step of a 784-128-10 MLP on
//!   a batch of 64 in f32 (PEERS.md, W3); the hand version fuses SGD into
//!   its weight GEMMs, the generated one computes the gradient and then
//!   calls the runtime's `Sgd`.
//!
//! `cargo bench -p macrograd-benches --bench network`; before timing, each pair is checked to
//! compute the same losses.

// criterion_group! and criterion_main! write undocumented functions
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use macrograd::nn::add_l2_penalty;
use macrograd::optim::{Optimizer, Sgd};
use macrograd::params::flatten;
use macrograd::schedule::{self, Schedule};

#[path = "hand/mnist.rs"]
mod hand_mnist;
#[path = "hand/moons.rs"]
mod hand_moons;

#[path = "../tests/common/moons.rs"]
mod moons;
use moons::Moons;

#[path = "../examples/mnist/model.rs"]
mod mnist_model;
use mnist_model::{Mlp as Mnist, MlpWorkspace as MnistWorkspace};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/");

fn moons_setup() -> (Moons, hand_moons::Mlp, Vec<[f64; 2]>, Vec<f64>) {
    let opts = macrograd::data::CsvOptions {
        features: Some(vec!["x0".into(), "x1".into()]),
        targets: vec!["y".into()],
        ..Default::default()
    };
    let ds = macrograd::data::load_csv::<f64>(format!("{DATA}moons_data.csv"), &opts)
        .expect("moons data");
    let mut model = Moons::zeros();
    macrograd::checkpoint::load(&mut model, format!("{DATA}moons_init.safetensors"))
        .expect("moons weights");
    let mut hand = hand_moons::Mlp::zeros();
    for (h, v) in hand.flat_mut().into_iter().zip(flatten(&model)) {
        *h = v;
    }
    (
        model,
        hand,
        ds.feature_arrays::<2>().expect("2 features"),
        ds.y().to_vec(),
    )
}

fn moons_generated(
    m: &mut Moons,
    g: &mut Moons,
    sgd: &mut Sgd<f64>,
    xs: &[[f64; 2]],
    ys: &[f64],
    steps: usize,
) -> f64 {
    let mut last = 0.0;
    for k in 0..steps {
        last = m.batch_backward(xs, ys, g).expect("a non-empty batch") + add_l2_penalty(m, g, 1e-4);
        schedule::apply(sgd, &schedule::micrograd(100), k);
        sgd.step(m, g).expect("shapes match");
    }
    last
}

fn moons_hand(
    m: &mut hand_moons::Mlp,
    g: &mut hand_moons::Mlp,
    xs: &[[f64; 2]],
    ys: &[f64],
    steps: usize,
) -> f64 {
    let mut last = 0.0;
    for k in 0..steps {
        let lr = schedule::micrograd(100).lr(k);
        last = hand_moons::step(m, g, xs, ys, 1e-4, lr);
    }
    last
}

fn moons(c: &mut Criterion) {
    let (model, hand, xs, ys) = moons_setup();
    {
        let (mut m, mut h) = (model.clone(), hand.clone());
        let (mut g, mut hg, mut sgd) =
            (Moons::zeros(), hand_moons::Mlp::zeros(), Sgd::with_lr(1.0));
        for k in 0..100 {
            let a = moons_generated(&mut m, &mut g, &mut sgd, &xs, &ys, 1);
            let b = hand_moons::step(&mut h, &mut hg, &xs, &ys, 1e-4, 1.0);
            assert!(
                (a - b).abs() <= 1e-12 * a.abs(),
                "step {k}: generated {a} vs hand {b}"
            );
        }
    }
    let mut group = c.benchmark_group("network/moons");
    group.bench_function("generated", |b| {
        b.iter_batched(
            || (model.clone(), Moons::zeros(), Sgd::with_lr(1.0)),
            |(mut m, mut g, mut sgd)| moons_generated(&mut m, &mut g, &mut sgd, &xs, &ys, 100),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("hand", |b| {
        b.iter_batched(
            || (hand.clone(), hand_moons::Mlp::zeros()),
            |(mut m, mut g)| moons_hand(&mut m, &mut g, &xs, &ys, 100),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn mnist_setup() -> (Mnist, hand_mnist::Mlp, Vec<[f32; 784]>, Vec<usize>) {
    let mut model = Mnist::zeros();
    macrograd::init::init_layers(&mut model, macrograd::init::Init::HE_RELU, 5).expect("init");
    let hand = hand_mnist::Mlp {
        w1: model.l1.weight.as_flattened().to_vec(),
        b1: model.l1.bias.to_vec(),
        w2: model.l2.weight.as_flattened().to_vec(),
        b2: model.l2.bias.to_vec(),
    };
    let mut rng = macrograd::rng::seeded(9);
    let xs: Vec<[f32; 784]> = (0..64)
        .map(|_| std::array::from_fn(|_| macrograd::rng::uniform(&mut rng, 0.0, 1.0) as f32))
        .collect();
    let ys = (0..64).map(|i| (i * 7) % 10).collect();
    (model, hand, xs, ys)
}

fn mnist(c: &mut Criterion) {
    let (mut model, mut hand, xs, ys) = mnist_setup();
    let (mut g, mut ws, mut sgd) = (Mnist::zeros(), MnistWorkspace::new(), Sgd::with_lr(0.1));
    let mut work = hand_mnist::Work::new(64);
    let x = xs.as_flattened();
    for k in 0..5 {
        let a = model
            .batch_backward_gemm(&mut ws, &xs, &ys, &mut g)
            .expect("a non-empty batch");
        sgd.step(&mut model, &g).expect("shapes match");
        let b = hand_mnist::step(&mut hand, &mut work, x, &ys, 0.1);
        assert!(
            (a - b).abs() <= 1e-4 * a.abs(),
            "step {k}: generated {a} vs hand {b}"
        );
    }
    let mut group = c.benchmark_group("network/mnist");
    group.bench_function("generated", |b| {
        b.iter(|| {
            let loss = model
                .batch_backward_gemm(&mut ws, &xs, &ys, &mut g)
                .expect("a non-empty batch");
            sgd.step(&mut model, &g).expect("shapes match");
            loss
        })
    });
    group.bench_function("hand", |b| {
        b.iter(|| hand_mnist::step(&mut hand, &mut work, x, &ys, 0.1))
    });
    group.finish();
}

criterion_group!(benches, moons, mnist);
criterion_main!(benches);
