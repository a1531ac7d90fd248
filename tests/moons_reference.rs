//! micrograd's demo from fixed weights, against PyTorch float64.
//!
//! `tests/data/` holds the reference run described in PEERS.md (W1): the
//! data (`moons_data.csv`), PyTorch's initial weights in `nn.Linear` layout
//! (`moons_init.safetensors`) and the loss PyTorch computed before every one
//! of the 100 SGD steps (`moons_trajectory.json`, made with PyTorch 2.15.0 in
//! float64). The model here must reach the same loss at every step.
use macrograd::checkpoint;
use macrograd::data::{load_csv, CsvOptions};
use macrograd::nn::add_l2_penalty;
use macrograd::optim::{Optimizer, Sgd};

#[path = "common/moons.rs"]
mod moons;
use moons::Moons as Mlp;

fn data() -> (Vec<[f64; 2]>, Vec<f64>) {
    let opts = CsvOptions {
        features: Some(vec!["x0".into(), "x1".into()]),
        targets: vec!["y".into()],
        ..CsvOptions::default()
    };
    let ds = load_csv::<f64>(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/moons_data.csv"),
        &opts,
    )
    .unwrap();
    (ds.feature_arrays::<2>().unwrap(), ds.y().to_vec())
}

fn reference() -> Vec<f64> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/moons_trajectory.json"
    ))
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["loss_per_step"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

#[test]
fn hundred_steps_match_pytorch_float64() {
    let (xs, ys) = data();
    assert_eq!(xs.len(), 100);
    let mut model = Mlp::zeros();
    checkpoint::load(
        &mut model,
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/moons_init.safetensors"
        ),
    )
    .unwrap();
    let expected = reference();
    assert_eq!(expected.len(), 100);
    let mut grad = Mlp::zeros();
    let mut sgd = Sgd::with_lr(1.0);
    for (k, want) in expected.iter().enumerate() {
        let data_loss = model.batch_backward(&xs, &ys, &mut grad).unwrap();
        let loss = data_loss + add_l2_penalty(&model, &mut grad, 1e-4);
        let rel = ((loss - want) / want).abs();
        assert!(
            rel < 1e-9,
            "step {k}: loss {loss:.15} vs PyTorch {want:.15} (relative error {rel:.1e})"
        );
        sgd.set_learning_rate(1.0 - 0.9 * k as f64 / 100.0);
        sgd.step(&mut model, &grad).unwrap();
    }
    let correct = xs
        .iter()
        .zip(&ys)
        .filter(|(x, y)| (model.forward(**x)[0] > 0.0) == (**y > 0.0))
        .count();
    assert_eq!(
        correct, 100,
        "micrograd's demo ends at 100% training accuracy"
    );
}
