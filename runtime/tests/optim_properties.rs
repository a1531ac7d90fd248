//! Properties every optimizer must have, independent of reference values:
//! convergence on a convex quadratic (whose minimum is known in closed
//! form), finite parameters under extreme gradients, and a zero step for a
//! zero gradient without weight decay.

use macrograd_runtime::optim::{
    Adagrad, AdagradConfig, Adam, AdamConfig, AdamW, Optimizer, RmsProp, RmsPropConfig, Sgd,
    SgdConfig,
};

type P = ([f64; 3], f64);
type Step = Box<dyn FnMut(&mut P, &P)>;

/// f(w, b) = Σ aᵢ(wᵢ − cᵢ)² + (b + 2)², minimum at w = c, b = −2.
fn grad(p: &P) -> P {
    let a = [1.0, 4.0, 0.25];
    let c = [3.0, -1.0, 0.5];
    (
        [
            2.0 * a[0] * (p.0[0] - c[0]),
            2.0 * a[1] * (p.0[1] - c[1]),
            2.0 * a[2] * (p.0[2] - c[2]),
        ],
        2.0 * (p.1 + 2.0),
    )
}

fn all() -> Vec<(&'static str, Step)> {
    fn boxed<O: Optimizer<f64> + 'static>(mut o: O) -> Step {
        Box::new(move |p, g| o.step(p, g).unwrap())
    }
    vec![
        ("sgd", boxed(Sgd::with_lr(0.05))),
        (
            "sgd_nesterov",
            boxed(
                Sgd::new(SgdConfig {
                    lr: 0.02,
                    momentum: 0.9,
                    nesterov: true,
                    ..Default::default()
                })
                .unwrap(),
            ),
        ),
        (
            "adam",
            boxed(
                Adam::new(AdamConfig {
                    lr: 0.05,
                    ..Default::default()
                })
                .unwrap(),
            ),
        ),
        (
            "adam_amsgrad",
            boxed(
                Adam::new(AdamConfig {
                    lr: 0.05,
                    amsgrad: true,
                    ..Default::default()
                })
                .unwrap(),
            ),
        ),
        (
            "adamw",
            boxed(
                AdamW::new(AdamConfig {
                    lr: 0.05,
                    weight_decay: 0.0,
                    ..AdamConfig::adamw()
                })
                .unwrap(),
            ),
        ),
        (
            "rmsprop",
            boxed(
                RmsProp::new(RmsPropConfig {
                    lr: 0.01,
                    ..Default::default()
                })
                .unwrap(),
            ),
        ),
        (
            "rmsprop_centered_momentum",
            boxed(
                RmsProp::new(RmsPropConfig {
                    lr: 0.005,
                    momentum: 0.5,
                    centered: true,
                    ..Default::default()
                })
                .unwrap(),
            ),
        ),
        (
            "adagrad",
            boxed(
                Adagrad::new(AdagradConfig {
                    lr: 0.5,
                    ..Default::default()
                })
                .unwrap(),
            ),
        ),
    ]
}

#[test]
fn every_optimizer_converges_on_a_quadratic() {
    for (name, mut step) in all() {
        let mut p: P = ([0.0; 3], 0.0);
        for _ in 0..5000 {
            let g = grad(&p);
            step(&mut p, &g);
        }
        let err = (p.0[0] - 3.0)
            .abs()
            .max((p.0[1] + 1.0).abs())
            .max((p.0[2] - 0.5).abs())
            .max((p.1 + 2.0).abs());
        // Adaptive methods at a constant rate hover within ~lr of the minimum.
        assert!(err < 0.02, "{name}: {p:?}");
    }
}

#[test]
fn extreme_gradients_keep_parameters_finite() {
    for (name, mut step) in all() {
        // g² must stay finite: beyond that (|g| > ~1e154) centered RMSprop
        // computes inf − inf = NaN, exactly as PyTorch does.
        let huge = if name == "rmsprop_centered_momentum" {
            1e150
        } else {
            1e300
        };
        let mut p: P = ([1.0; 3], 1.0);
        for g in [huge, -huge, 1e-300, 0.0, -1e-310, 1e150] {
            step(&mut p, &([g; 3], g));
            assert!(
                p.0.iter().all(|x| x.is_finite()) && p.1.is_finite(),
                "{name} after {g:e}: {p:?}"
            );
        }
    }
}

#[test]
fn zero_gradient_is_no_step_without_decay() {
    for (name, mut step) in all() {
        let mut p: P = ([1.0, -2.0, 0.5], 3.0);
        step(&mut p, &([0.0; 3], 0.0));
        assert_eq!(p, ([1.0, -2.0, 0.5], 3.0), "{name}");
    }
}
