//! An MNIST-size MLP (784-128-10, ReLU, softmax cross-entropy) trained with
//! batches of 64 and SGD, through the batched GEMM pass `grad!` writes.
//!
//! `cargo run --release --example mnist -- [DIR] [--epochs N] [--seed S]`
//!
//! With `DIR` holding the MNIST IDX files (`train-images-idx3-ubyte`,
//! `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
//! `t10k-labels-idx1-ubyte`, optionally `.gz`), it trains on MNIST; without,
//! on a seeded synthetic stand-in of the same shape (10 noisy prototypes in
//! 784 dimensions), since this example must run without a download.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use macrograd::data::synthetic::{BlobsConfig, Centers};
use macrograd::data::{load_mnist, make_blobs, train_test_split, Dataset};
use macrograd::init::{init_layers, Init};
use macrograd::optim::{Optimizer, Sgd};
use macrograd::rng::{permutation, seeded};

mod model;
use model::{Mlp, MlpWorkspace};

const BATCH: usize = 64;

struct Options {
    dir: Option<PathBuf>,
    epochs: usize,
    seed: u64,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut o = Options {
        dir: None,
        epochs: 2,
        seed: 7,
    };
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            let v = args
                .next()
                .ok_or_else(|| format!("`{name}` needs a value"))?;
            v.parse()
                .map_err(|_| format!("`{name}` takes a whole number, not `{v}`"))
        };
        match a.as_str() {
            "--epochs" => o.epochs = number("--epochs")? as usize,
            "--seed" => o.seed = number("--seed")?,
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            dir if o.dir.is_none() => o.dir = Some(dir.into()),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    Ok(o)
}

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
    let (xs, ys) = split(&train)?;
    let (txs, tys) = split(&test)?;
    println!(
        "{what}: {} training and {} test samples",
        xs.len(),
        txs.len()
    );
    let mut model = Mlp::zeros();
    init_layers(&mut model, Init::HE_RELU, o.seed).map_err(|e| e.to_string())?;
    let (mut grad, mut ws) = (Mlp::zeros(), MlpWorkspace::new());
    let mut sgd = Sgd::with_lr(0.1);
    let (mut bx, mut by) = (Vec::with_capacity(BATCH), Vec::with_capacity(BATCH));
    let mut rng = seeded(o.seed);
    let (mut steps, mut busy) = (0usize, 0.0f64);
    let mut test_accuracy = None;
    for epoch in 0..o.epochs {
        let order = permutation(&mut rng, xs.len());
        let mut last = 0.0;
        for chunk in order.chunks_exact(BATCH) {
            bx.clear();
            by.clear();
            bx.extend(chunk.iter().map(|&i| xs[i]));
            by.extend(chunk.iter().map(|&i| ys[i]));
            let t = Instant::now();
            last = model.batch_backward_gemm(&mut ws, &bx, &by, &mut grad);
            sgd.step(&mut model, &grad).map_err(|e| e.to_string())?;
            busy += t.elapsed().as_secs_f64();
            steps += 1;
            if !last.is_finite() {
                return Err(format!("epoch {epoch}, step {steps}: the loss is {last}"));
            }
        }
        let acc = accuracy(&model, &txs, &tys);
        test_accuracy = Some(acc);
        println!(
            "epoch {epoch}: last batch loss {last:.4}, test accuracy {:.2}%",
            100.0 * acc
        );
    }
    println!(
        "{steps} training steps of {BATCH} in {busy:.2} s: {:.0} steps/s (forward, backward and SGD; data shuffling excluded)",
        steps as f64 / busy
    );
    println!(
        "train accuracy {:.2}%, test accuracy {:.2}%",
        100.0 * accuracy(&model, &xs, &ys),
        100.0 * test_accuracy.unwrap_or_else(|| accuracy(&model, &txs, &tys))
    );
    Ok(())
}

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)).and_then(|o| run(&o)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}\nusage: mnist [DIR] [--epochs N] [--seed S]");
            ExitCode::from(2)
        }
    }
}
