//! A regression network trained with the runtime's loop: a validation
//! split, early stopping that restores the best epoch, Adam, and a history
//! written as CSV and drawn as a loss curve.
//!
//! The data is Friedman's benchmark #1 (scikit-learn's `make_friedman1`):
//! `y = 10·sin(π·x0·x1) + 20·(x2 − 0.5)² + 10·x3 + 5·x4 + noise`, x uniform
//! on [0, 1]⁵.

#[path = "common/no_options.rs"]
mod no_options;

use macrograd::prelude::*;

grad! {
    /// 5 inputs, two hidden layers of 32 with tanh, one output.
    pub struct Regressor {
        l1: Linear<5, 32>,
        l2: Linear<32, 32>,
        l3: Linear<32, 1>,
    }
    fn forward(&self, x: [f64; 5]) -> [f64; 1] {
        let h = self.l1(x).tanh();
        let h = self.l2(h).tanh();
        self.l3(h)
    }
    fn loss(pred: [f64; 1], #[nograd] y: f64) -> f64 {
        (pred[0] - y).powi(2)
    }
}

/// `n` samples of Friedman #1 with Gaussian noise of standard deviation 1.
fn friedman1(n: usize, seed: u64) -> Dataset<f64> {
    let mut source = rng::seeded(seed);
    let (mut x, mut y) = (Vec::with_capacity(n * 5), Vec::with_capacity(n));
    for _ in 0..n {
        let v: Vec<f64> = (0..5)
            .map(|_| rng::uniform(&mut source, 0.0, 1.0))
            .collect();
        let target = 10.0 * (std::f64::consts::PI * v[0] * v[1]).sin()
            + 20.0 * (v[2] - 0.5).powi(2)
            + 10.0 * v[3]
            + 5.0 * v[4];
        // scaled so the targets are of order one, as networks like them
        y.push((target + rng::standard_normal(&mut source) - 14.0) / 5.0);
        x.extend(v);
    }
    Dataset::new(x, 5, y, 1).expect("rows and targets agree")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    no_options::handle("usage: regression\n\nTrains a 5-32-32-1 network on Friedman #1 with a validation split and early stopping;\nwrites target/regression_history.csv and target/regression_loss.svg.");
    let data = friedman1(1000, 3);
    let mut model = Regressor::zeros();
    init_layers(&mut model, Init::HE_RELU, 3)?;
    let config = TrainConfig {
        epochs: 400,
        batch_size: 32,
        seed: 3,
        validation_fraction: 0.2,
        early_stopping: Some(EarlyStopping {
            patience: 25,
            min_delta: 1e-5,
            restore_best: true,
        }),
        ..TrainConfig::default()
    };
    // the rows become [f64; 5] inputs once; each batch overwrites one
    // gradient buffer; validation runs the forward pass only
    let mut trainer = Trainer::new(Adam::with_lr(3e-3), config);
    let history = trainer.fit_network(&mut model, &data)?;
    let last = history.last().expect("at least one epoch ran");
    let best = history
        .restored_epoch
        .expect("early stopping restores the best epoch");
    println!(
        "ran {} of {} epochs; restored epoch {best} (from 0), validation MSE {:.4}; noise floor {:.4}",
        last.epoch + 1,
        trainer.config.epochs,
        history.epochs[best].val_loss.unwrap_or(f64::NAN),
        1.0 / 25.0
    );
    std::fs::create_dir_all("target")?;
    history.write_csv("target/regression_history.csv")?;
    history.write_loss_curve_svg("target/regression_loss.svg")?;
    println!("history in target/regression_history.csv, loss curve in target/regression_loss.svg");
    Ok(())
}
