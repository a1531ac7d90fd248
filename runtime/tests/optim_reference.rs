//! Optimizers, schedules and clipping against PyTorch.
//!
//! The reference values in `data/optim_reference.json` were produced by
//! PyTorch (torch.optim, torch.optim.lr_scheduler, torch.nn.utils) in
//! float64 by `data/optim_reference.py`, stored beside it. Nothing here is
//! computed by the code under test and then compared with itself.

use macrograd_runtime::clip::{clip_grad_norm, clip_grad_value};
use macrograd_runtime::optim::{
    adam::{adam_update, AdamMoments},
    sgd::sgd_update,
    Adagrad, AdagradConfig, Adam, AdamConfig, AdamW, Optimizer, RmsProp, RmsPropConfig, Sgd,
    SgdConfig,
};
use macrograd_runtime::params::flatten;
use macrograd_runtime::schedule::{
    CosineAnnealing, Exponential, LinearWarmup, Schedule, StepDecay,
};
use serde_json::Value;

type P = ([[f64; 3]; 2], [f64; 3]);

const TOL: f64 = 1e-12;

fn reference() -> Value {
    let text = include_str!("data/optim_reference.json");
    serde_json::from_str(text).expect("reference JSON parses")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn tensors(v: &Value) -> P {
    let a = floats(&v["0"]);
    let b = floats(&v["1"]);
    ([[a[0], a[1], a[2]], [a[3], a[4], a[5]]], [b[0], b[1], b[2]])
}

fn assert_close(found: &[f64], expected: &[f64], what: &str) {
    assert_eq!(found.len(), expected.len(), "{what}");
    for (i, (f, e)) in found.iter().zip(expected).enumerate() {
        let err = (f - e).abs() / e.abs().max(1.0);
        assert!(
            err <= TOL,
            "{what}[{i}]: found {f:e}, PyTorch {e:e}, error {err:e}"
        );
    }
}

fn kw(case: &Value, key: &str) -> Option<f64> {
    case["kwargs"].get(key).map(|v| {
        v.as_f64()
            .or_else(|| v.as_bool().map(|b| b as u8 as f64))
            .expect("number or bool")
    })
}

fn flag(case: &Value, key: &str) -> bool {
    case["kwargs"]
        .get(key)
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// Runs `opt` over the reference gradient sequence, comparing every step.
fn run<O: Optimizer<f64>>(mut opt: O, case: &Value, data: &Value) {
    let name = case["name"].as_str().expect("name");
    let mut params = tensors(&data["init"]);
    let grads = data["grads"].as_array().expect("grads");
    let traj = case["trajectory"].as_array().expect("trajectory");
    assert!(traj.len() >= 10);
    for (t, (g, expected)) in grads.iter().zip(traj).enumerate() {
        opt.step(&mut params, &tensors(g)).expect("step");
        let expected = flatten(&tensors(expected));
        assert_close(
            &flatten(&params),
            &expected,
            &format!("{name} step {}", t + 1),
        );
    }
}

fn case<'a>(data: &'a Value, name: &str) -> &'a Value {
    data["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

fn sgd_config(c: &Value) -> SgdConfig {
    SgdConfig {
        lr: kw(c, "lr").unwrap(),
        momentum: kw(c, "momentum").unwrap_or(0.0),
        dampening: kw(c, "dampening").unwrap_or(0.0),
        weight_decay: kw(c, "weight_decay").unwrap_or(0.0),
        nesterov: flag(c, "nesterov"),
        maximize: flag(c, "maximize"),
    }
}

fn adam_config(c: &Value, defaults: AdamConfig) -> AdamConfig {
    let betas = c["kwargs"].get("betas").map(floats);
    AdamConfig {
        lr: kw(c, "lr").unwrap(),
        beta1: betas.as_ref().map_or(defaults.beta1, |b| b[0]),
        beta2: betas.as_ref().map_or(defaults.beta2, |b| b[1]),
        eps: kw(c, "eps").unwrap_or(defaults.eps),
        weight_decay: kw(c, "weight_decay").unwrap_or(defaults.weight_decay),
        amsgrad: flag(c, "amsgrad"),
        maximize: flag(c, "maximize"),
    }
}

#[test]
fn sgd_matches_pytorch_for_12_steps() {
    let data = reference();
    for name in [
        "sgd_plain",
        "sgd_momentum_dampening_wd",
        "sgd_nesterov_wd",
        "sgd_momentum_maximize",
    ] {
        let c = case(&data, name);
        run(Sgd::new(sgd_config(c)).unwrap(), c, &data);
    }
}

#[test]
fn adam_and_amsgrad_match_pytorch_for_12_steps() {
    let data = reference();
    for name in ["adam_default", "adam_l2_amsgrad"] {
        let c = case(&data, name);
        run(
            Adam::new(adam_config(c, AdamConfig::default())).unwrap(),
            c,
            &data,
        );
    }
}

#[test]
fn adamw_matches_pytorch_for_12_steps() {
    let data = reference();
    for name in ["adamw_default", "adamw_amsgrad"] {
        let c = case(&data, name);
        run(
            AdamW::new(adam_config(c, AdamConfig::adamw())).unwrap(),
            c,
            &data,
        );
    }
}

#[test]
fn rmsprop_matches_pytorch_for_12_steps() {
    let data = reference();
    for name in ["rmsprop_default", "rmsprop_centered_momentum_wd"] {
        let c = case(&data, name);
        let d = RmsPropConfig::default();
        let cfg = RmsPropConfig {
            lr: kw(c, "lr").unwrap(),
            alpha: kw(c, "alpha").unwrap_or(d.alpha),
            eps: kw(c, "eps").unwrap_or(d.eps),
            weight_decay: kw(c, "weight_decay").unwrap_or(0.0),
            momentum: kw(c, "momentum").unwrap_or(0.0),
            centered: flag(c, "centered"),
            maximize: flag(c, "maximize"),
        };
        run(RmsProp::new(cfg).unwrap(), c, &data);
    }
}

#[test]
fn adagrad_matches_pytorch_for_12_steps() {
    let data = reference();
    for name in ["adagrad_default", "adagrad_decay_wd_init"] {
        let c = case(&data, name);
        let d = AdagradConfig::default();
        let cfg = AdagradConfig {
            lr: kw(c, "lr").unwrap(),
            lr_decay: kw(c, "lr_decay").unwrap_or(0.0),
            weight_decay: kw(c, "weight_decay").unwrap_or(0.0),
            initial_accumulator_value: kw(c, "initial_accumulator_value").unwrap_or(0.0),
            eps: kw(c, "eps").unwrap_or(d.eps),
            maximize: flag(c, "maximize"),
        };
        run(Adagrad::new(cfg).unwrap(), c, &data);
    }
}

/// The pure slice rules alone, on tensor "1", reproduce the same trajectory.
#[test]
fn pure_update_rules_match_pytorch_on_a_flat_slice() {
    let data = reference();
    let grads = data["grads"].as_array().unwrap();

    let c = case(&data, "sgd_nesterov_wd");
    let cfg = sgd_config(c);
    let mut p = floats(&data["init"]["1"]);
    let mut buf = vec![0.0; p.len()];
    for (t, g) in grads.iter().enumerate() {
        sgd_update(&cfg, &mut p, &floats(&g["1"]), &mut buf, t == 0);
        let expected = floats(&c["trajectory"][t]["1"]);
        assert_close(&p, &expected, &format!("sgd_update step {}", t + 1));
    }

    let c = case(&data, "adamw_amsgrad");
    let cfg = adam_config(c, AdamConfig::adamw());
    let mut p = floats(&data["init"]["1"]);
    let mut state = AdamMoments::zeros(p.len(), true);
    for (t, g) in grads.iter().enumerate() {
        adam_update(&cfg, true, &mut p, &floats(&g["1"]), &mut state);
        let expected = floats(&c["trajectory"][t]["1"]);
        assert_close(&p, &expected, &format!("adam_update step {}", t + 1));
    }
}

#[test]
fn schedules_match_pytorch_schedulers() {
    let data = reference();
    let s = &data["schedules"];
    let base = s["base_lr"].as_f64().unwrap();
    let check = |sched: &dyn Schedule, key: &str| {
        let expected = floats(&s[key]);
        let found: Vec<f64> = (0..expected.len()).map(|t| sched.lr(t)).collect();
        assert_close(&found, &expected, key);
    };
    check(
        &StepDecay {
            base,
            step_size: 3,
            gamma: 0.5,
        },
        "step_lr_3_0.5",
    );
    check(&Exponential { base, gamma: 0.9 }, "exponential_0.9");
    check(
        &CosineAnnealing {
            base,
            t_max: 10,
            eta_min: 0.001,
        },
        "cosine_10_0.001",
    );
    check(
        &LinearWarmup {
            base,
            start_factor: 0.1,
            end_factor: 1.0,
            total_steps: 5,
        },
        "linear_0.1_1.0_5",
    );
}

#[test]
fn clipping_matches_torch_nn_utils() {
    let data = reference();
    let c = &data["clipping"];
    let g = tensors(&data["grads"][3]);

    let mut clipped = g;
    let norm = clip_grad_norm(&mut clipped, c["norm_max_norm"].as_f64().unwrap()).unwrap();
    assert_close(&[norm], &[c["norm_total"].as_f64().unwrap()], "total norm");
    assert_close(
        &flatten(&clipped),
        &flatten(&tensors(&c["norm_clipped"])),
        "norm-clipped",
    );

    let mut clipped = g;
    clip_grad_value(&mut clipped, c["value_clip"].as_f64().unwrap());
    assert_close(
        &flatten(&clipped),
        &flatten(&tensors(&c["value_clipped"])),
        "value-clipped",
    );
}

/// The same rules in `f32` stay within single precision of PyTorch's
/// float64 trajectory (a check that the generic code is not f64-only).
#[test]
fn f32_optimizers_follow_the_reference_to_single_precision() {
    type P32 = ([[f32; 3]; 2], [f32; 3]);
    type Stepper = Box<dyn FnMut(&mut P32, &P32)>;
    let narrow = |p: P| -> P32 { (p.0.map(|r| r.map(|x| x as f32)), p.1.map(|x| x as f32)) };
    let data = reference();
    let grads: Vec<P32> = data["grads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| narrow(tensors(g)))
        .collect();
    let check = |mut opt: Stepper, name: &str| {
        let c = case(&data, name);
        let mut p = narrow(tensors(&data["init"]));
        for (t, g) in grads.iter().enumerate() {
            opt(&mut p, g);
            let expected = flatten(&tensors(&c["trajectory"][t]));
            for (f, e) in flatten(&p).iter().zip(&expected) {
                let err = (f64::from(*f) - e).abs() / e.abs().max(1.0);
                assert!(err < 1e-5, "{name} f32 step {}: {f} vs {e}", t + 1);
            }
        }
    };
    let c = case(&data, "adam_l2_amsgrad");
    let mut adam = Adam::<f32>::new(adam_config(c, AdamConfig::default())).unwrap();
    check(
        Box::new(move |p, g| adam.step(p, g).unwrap()),
        "adam_l2_amsgrad",
    );
    let c = case(&data, "sgd_nesterov_wd");
    let mut sgd = Sgd::<f32>::new(sgd_config(c)).unwrap();
    check(
        Box::new(move |p, g| sgd.step(p, g).unwrap()),
        "sgd_nesterov_wd",
    );
}
