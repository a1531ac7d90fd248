//! An MNIST-size MLP (784-128-10, ReLU, softmax cross-entropy) trained with
//! batches of 64 and SGD, through the batched GEMM pass `grad!` writes.
//!
//! `cargo run --release --example mnist -- [DIR] [--epochs N] [--seed S]`
//! (`--help` lists the options). Training goes through the runtime's loop
//! (`Trainer::fit_network`), which picks the GEMM pass for these layer sizes.
//!
//! With `DIR` holding the MNIST IDX files (`train-images-idx3-ubyte`,
//! `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
//! `t10k-labels-idx1-ubyte`, optionally `.gz`), it trains on MNIST; without,
//! on a seeded synthetic stand-in of the same shape (10 noisy prototypes in
//! 784 dimensions), since this example must run without a download.

mod cli;
mod model;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use macrograd::data::synthetic::{BlobsConfig, Centers};
use macrograd::prelude::*;
use model::Mlp;

use cli::Options;

const BATCH: usize = 64;

/// The IDX file `name` in `dir`, raw or gzipped.
fn idx(dir: &Path, name: &str) -> PathBuf {
    let raw = dir.join(name);
    if raw.exists() {
        raw
    } else {
        dir.join(format!("{name}.gz"))
    }
}

fn data(o: &Options) -> Result<(Dataset<f32>, Dataset<f32>, &'static str), String> {
    match &o.dir {
        Some(dir) => {
            let train = load_mnist(
                idx(dir, "train-images-idx3-ubyte"),
                idx(dir, "train-labels-idx1-ubyte"),
            );
            let test = load_mnist(
                idx(dir, "t10k-images-idx3-ubyte"),
                idx(dir, "t10k-labels-idx1-ubyte"),
            );
            Ok((
                train.map_err(|e| e.to_string())?,
                test.map_err(|e| e.to_string())?,
                "MNIST",
            ))
        }
        None => {
            let cfg = BlobsConfig {
                n_samples: 12_000,
                n_features: 784,
                centers: Centers::Random(10),
                cluster_std: 4.0,
                center_box: (-1.0, 1.0),
                shuffle: true,
            };
            let (all, _) = make_blobs::<f32>(&cfg, o.seed).map_err(|e| e.to_string())?;
            let (train, test) =
                train_test_split(&all, 1.0 / 6.0, o.seed).map_err(|e| e.to_string())?;
            Ok((
                train,
                test,
                "synthetic stand-in (10 noisy prototypes, 784 features)",
            ))
        }
    }
}

fn split(ds: &Dataset<f32>) -> Result<(Vec<[f32; 784]>, Vec<usize>), String> {
    let labels = ds.y().iter().map(|&y| y as usize).collect();
    Ok((
        ds.feature_arrays::<784>().map_err(|e| e.to_string())?,
        labels,
    ))
}

fn accuracy(m: &Mlp, xs: &[[f32; 784]], ys: &[usize]) -> f64 {
    let argmax = |v: [f32; 10]| (0..10).fold(0, |b, i| if v[i] > v[b] { i } else { b });
    let hits = xs
        .iter()
        .zip(ys)
        .filter(|(x, &y)| argmax(m.forward(**x)) == y)
        .count();
    hits as f64 / xs.len() as f64
}

fn run(o: &Options) -> Result<(), String> {
    let (train, test, what) = data(o)?;
    let (txs, tys) = split(&test)?;
    println!(
        "{what}: {} training and {} test samples",
        train.len(),
        txs.len()
    );
    let mut model = Mlp::zeros();
    init_layers(&mut model, Init::HE_RELU, o.seed).map_err(|e| e.to_string())?;
    let config = TrainConfig {
        epochs: o.epochs,
        batch_size: BATCH,
        seed: o.seed,
        ..TrainConfig::default()
    };
    let mut test_accuracy = Vec::new();
    let mut trainer = Trainer::new(Sgd::with_lr(0.1), config).callback(|_, m: &Mlp| {
        test_accuracy.push(accuracy(m, &txs, &tys));
        Ok(Control::Continue)
    });
    let history = trainer
        .fit_network(&mut model, &train)
        .map_err(|e| e.to_string())?;
    drop(trainer);
    let (steps, busy) = (
        history.epochs.len() * train.len().div_ceil(BATCH),
        history.epochs.iter().map(|e| e.seconds).sum::<f64>(),
    );
    let per_epoch: Vec<String> = test_accuracy
        .iter()
        .enumerate()
        .map(|(e, acc)| format!("{}: {:.2}%", e + 1, 100.0 * acc))
        .collect();
    println!("test accuracy after epoch {}", per_epoch.join(", "));
    println!(
        "{steps} training steps of {BATCH} in {busy:.2} s: {:.0} steps/s (gathering, forward, backward and SGD)",
        steps as f64 / busy
    );
    let (xs, ys) = split(&train)?;
    println!(
        "train accuracy {:.2}%, test accuracy {:.2}%",
        100.0 * accuracy(&model, &xs, &ys),
        100.0
            * test_accuracy
                .last()
                .copied()
                .unwrap_or_else(|| accuracy(&model, &txs, &tys))
    );
    Ok(())
}

fn main() -> ExitCode {
    let opts = match cli::parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(msg) if msg.is_empty() => {
            println!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("error: {msg}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    match run(&opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}
