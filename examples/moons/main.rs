//! micrograd's demo, compiled: make_moons, an MLP 2-16-16-1 with ReLU, hinge
//! loss + 1e-4·L2, 100 full-batch SGD steps with lr = 1 - 0.9·k/100.
//!
//! `cargo run --release --example moons -- --help` lists the options.
//! Forward and backward passes are written by `grad!` at compile time.

mod cli;
mod plot;

use std::process::ExitCode;
use std::time::Instant;

use macrograd::prelude::*;

/// The network, once per float type.
macro_rules! mlp {
    ($name:ident, $t:ty) => {
        grad! {
            /// micrograd's `MLP(2, [16, 16, 1])`.
            pub struct $name {
                l1: Linear<2, 16>,
                l2: Linear<16, 16>,
                l3: Linear<16, 1>,
            }
            fn forward(&self, x: [$t; 2]) -> [$t; 1] {
                let h = relu(self.l1(x));
                let h = relu(self.l2(h));
                self.l3(h)
            }
            fn loss(score: [$t; 1], #[nograd] y: $t) -> $t {
                relu(1.0 - y * score[0])
            }
        }

        impl Net for $name {
            type F = $t;
            fn score(&self, x: [$t; 2]) -> $t {
                self.forward(x)[0]
            }
        }
    };
}

/// What training needs from either float type's network: what `grad!`
/// implements for the training loop (`zeros`, `train_batch`), and the score.
trait Net: Network<Scalar = Self::F, Input = [Self::F; 2], Target = Self::F> {
    type F: Float;
    fn score(&self, x: [Self::F; 2]) -> Self::F;
}

mlp!(Mlp32, f32);
mlp!(Mlp64, f64);

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
    let result = if opts.f64 {
        run::<Mlp64>(&opts)
    } else {
        run::<Mlp32>(&opts)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// The data: a CSV file with header x0,x1,y (y in {-1, 1}), or make_moons.
fn load<T: Float>(opts: &cli::Options) -> Result<(Vec<[T; 2]>, Vec<T>), String> {
    let ds: Dataset<T> = match &opts.data {
        Some(path) => {
            let csv = CsvOptions {
                features: Some(vec!["x0".into(), "x1".into()]),
                targets: vec!["y".into()],
                ..CsvOptions::default()
            };
            load_csv(path, &csv).map_err(|e| e.to_string())?
        }
        None => {
            let moons: Dataset<T> = make_moons(100, 0.1, true, opts.seed);
            // scikit-learn labels 0/1; the hinge loss wants -1/1
            let y: Vec<T> = moons
                .y()
                .iter()
                .map(|&y| T::from_f64(2.0 * y.to_f64() - 1.0))
                .collect();
            Dataset::new(moons.x().to_vec(), 2, y, 1).map_err(|e| e.to_string())?
        }
    };
    let ys = ds.y().to_vec();
    if let Some(bad) = ys.iter().position(|y| y.to_f64().abs() != 1.0) {
        return Err(format!(
            "row {}: y must be -1 or 1, found {}",
            bad + 2,
            ys[bad]
        ));
    }
    Ok((ds.feature_arrays::<2>().map_err(|e| e.to_string())?, ys))
}

fn accuracy<M: Net>(model: &M, xs: &[[M::F; 2]], ys: &[M::F]) -> f64 {
    let zero = M::F::from_f64(0.0);
    let hits = xs
        .iter()
        .zip(ys)
        .filter(|(x, y)| (model.score(**x) > zero) == (**y > zero))
        .count();
    hits as f64 / xs.len() as f64
}

fn run<M: Net>(opts: &cli::Options) -> Result<(), String> {
    let (xs, ys) = load::<M::F>(opts)?;
    let mut model = M::zeros();
    match &opts.init {
        Some(path) => checkpoint::load(&mut model, path).map_err(|e| {
            // the common slip: float64 weights (PyTorch's reference) without --f64
            let hint = match e.to_string() {
                m if m.contains("dtype F64, the parameter is F32") => {
                    "\nthe file holds float64 weights: run with --f64"
                }
                m if m.contains("dtype F32, the parameter is F64") => {
                    "\nthe file holds float32 weights: run without --f64"
                }
                _ => "",
            };
            format!("{e}{hint}")
        })?,
        None => init_uniform(&mut model, opts.seed).map_err(|e| e.to_string())?,
    }
    let (mut grad, mut ws) = (M::zeros(), M::Workspace::default());
    let mut sgd = Sgd::with_lr(1.0);
    let mut history = String::from("step,loss,accuracy\n");
    println!(
        "training {} parameters on {} points ({})",
        macrograd::params::count(&model),
        xs.len(),
        std::any::type_name::<M::F>()
    );
    let start = Instant::now();
    for k in 0..opts.steps {
        // the batch's mean gradient overwrites `grad`; the penalty's adds to it
        // for layers this small, `train_batch` is the per-sample `batch_backward`
        let loss = model
            .train_batch(&mut ws, &xs, &ys, &mut grad)
            .map_err(|e| e.to_string())?
            + add_l2_penalty(&model, &mut grad, M::F::from_f64(1e-4));
        if !loss.is_finite() {
            return Err(format!(
                "step {k}: the loss is {loss}; stopping, nothing is saved"
            ));
        }
        let acc = accuracy(&model, &xs, &ys);
        history.push_str(&format!("{k},{loss},{acc}\n"));
        if k % 10 == 0 || k + 1 == opts.steps {
            println!("step {k:3}  loss {loss:.6}  accuracy {:5.1}%", 100.0 * acc);
        }
        sgd.set_learning_rate(1.0 - 0.9 * k as f64 / opts.steps as f64);
        sgd.step(&mut model, &grad).map_err(|e| e.to_string())?;
        // A finite gradient can still overflow a weight; report the step
        // that did it rather than a NaN loss one step later.
        if let Some(name) = macrograd::params::first_non_finite(&model) {
            return Err(format!(
                "step {k}: the update made `{name}` non-finite; stopping, nothing is saved"
            ));
        }
    }
    let elapsed = start.elapsed();
    let acc = accuracy(&model, &xs, &ys);
    println!(
        "{} steps in {:.3} ms ({:.1} µs per step); final accuracy {:.1}%",
        opts.steps,
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e6 / opts.steps.max(1) as f64,
        100.0 * acc
    );
    if let Some(path) = &opts.history {
        checkpoint::write_atomically(path, history.as_bytes()).map_err(|e| e.to_string())?;
        println!("history written to {}", path.display());
    }
    if let Some(path) = &opts.save {
        checkpoint::save(&model, path).map_err(|e| e.to_string())?;
        println!("weights written to {}", path.display());
    }
    let xs64: Vec<[f64; 2]> = xs.iter().map(|x| [x[0].to_f64(), x[1].to_f64()]).collect();
    let ys64: Vec<f64> = ys.iter().map(|y| y.to_f64()).collect();
    let title = format!(
        "MLP 2-16-16-1 after {} steps: {:.0}% training accuracy",
        opts.steps,
        100.0 * acc
    );
    let svg = plot::decision_svg(&title, &xs64, &ys64, |p| {
        model
            .score([M::F::from_f64(p[0]), M::F::from_f64(p[1])])
            .to_f64()
    })?;
    if let Some(dir) = opts.plot.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    checkpoint::write_atomically(&opts.plot, svg.as_bytes()).map_err(|e| e.to_string())?;
    println!("decision boundary drawn to {}", opts.plot.display());
    Ok(())
}
