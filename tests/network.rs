//! Networks from `grad!`: every layer, activation and loss against finite
//! differences (f32 and f64), batch gradients against per-sample ones, the
//! GEMM path against the per-sample path, training, and checkpoints.
use macrograd::grad;
use macrograd::gradcheck::{gradcheck, Options};
use macrograd::params::{flatten, unflatten};

/// A 3-5-O network with a chosen activation and loss.
macro_rules! net {
    ($name:ident, $t:ty, $o:literal, |$v:ident| $act:expr, |$out:ident, $y:ident: $yt:ty| $loss:expr) => {
        grad! {
            struct $name {
                l1: Linear<3, 5>,
                l2: Linear<5, $o>,
            }
            fn forward(&self, x: [$t; 3]) -> [$t; $o] {
                let $v = self.l1(x);
                let h = $act;
                self.l2(h)
            }
            fn loss($out: [$t; $o], #[nograd] $y: $yt) -> $t {
                $loss
            }
        }
    };
}

net!(Relu64, f64, 1, |v| relu(v), |o, y: f64| (o[0] - y).powi(2));
net!(Tanh64, f64, 1, |v| v.tanh(), |o, y: f64| (o[0] - y).powi(2));
net!(Sigmoid64, f64, 1, |v| sigmoid(v), |o, y: f64| (o[0] - y)
    .powi(2));
net!(Gelu64, f64, 1, |v| gelu(v), |o, y: f64| (o[0] - y).powi(2));
net!(Leaky64, f64, 1, |v| leaky_relu(v, 0.1), |o, y: f64| (o[0]
    - y)
    .powi(2));
net!(Softplus64, f64, 1, |v| softplus(v), |o, y: f64| (o[0] - y)
    .powi(2));
net!(Silu64, f64, 1, |v| silu(v), |o, y: f64| (o[0] - y).powi(2));
net!(Residual64, f64, 1, |v| v * sigmoid(v) + v, |o, y: f64| (o
    [0]
    - y)
    .powi(2));
net!(Hinge64, f64, 1, |v| relu(v), |o, y: f64| relu(
    1.0 - y * o[0]
));
net!(Bce64, f64, 1, |v| silu(v), |o, y: f64| softplus(o[0])
    - y * o[0]);
net!(Mse64, f64, 2, |v| relu(v), |o, y: [f64; 2]| ((o[0] - y[0])
    .powi(2)
    + (o[1] - y[1]).powi(2))
    / 2.0);
net!(Ce64, f64, 4, |v| relu(v), |o, y: usize| {
    softmax_cross_entropy(o, y)
});
net!(Relu32, f32, 1, |v| relu(v), |o, y: f32| (o[0] - y).powi(2));
net!(Tanh32, f32, 1, |v| v.tanh(), |o, y: f32| (o[0] - y).powi(2));
net!(Ce32, f32, 4, |v| gelu(v), |o, y: usize| {
    softmax_cross_entropy(o, y)
});

grad! {
    /// log_softmax in `forward`, negative log-likelihood of one-hot targets.
    struct LogSoftmax64 {
        l1: Linear<3, 5>,
        l2: Linear<5, 4>,
    }
    fn forward(&self, x: [f64; 3]) -> [f64; 4] {
        let h = relu(self.l1(x));
        log_softmax(self.l2(h))
    }
    fn loss(logp: [f64; 4], #[nograd] onehot: [f64; 4]) -> f64 {
        let mut nll = 0.0;
        for i in 0..4 {
            nll -= onehot[i] * logp[i];
        }
        nll
    }
}

grad! {
    /// softmax in the middle of the network, squared error on the output.
    struct Softmax64 {
        l1: Linear<3, 5>,
        l2: Linear<5, 2>,
    }
    fn forward(&self, x: [f64; 3]) -> [f64; 2] {
        let p = softmax(self.l1(x));
        self.l2(p)
    }
    fn loss(out: [f64; 2], #[nograd] y: [f64; 2]) -> f64 {
        (out[0] - y[0]).powi(2) + (out[1] - y[1]).powi(2)
    }
}

/// Deterministic, irregular parameters (no data-dependent kinks at 0).
fn fill<P: macrograd::Params>(p: &mut P, seed: u64)
where
    P::Scalar: macrograd::Float,
{
    use macrograd::Real;
    let n = flatten(p).len();
    let values: Vec<P::Scalar> = (0..n)
        .map(|i| {
            let x = ((i as u64 * 2654435761 + seed * 97) % 1000) as f64 / 1000.0;
            P::Scalar::from_f64(1.3 * x - 0.6)
        })
        .collect();
    unflatten(p, &values).unwrap();
}

const X: [[f64; 3]; 4] = [
    [0.3, -1.2, 0.8],
    [1.1, 0.4, -0.5],
    [-0.7, 0.9, 0.2],
    [0.05, -0.3, 1.4],
];

macro_rules! check_net {
    ($test:ident, $name:ident, $t:ty, $ys:expr, $eps:expr, $tol:expr) => {
        #[test]
        fn $test() {
            let mut m = $name::zeros();
            fill(&mut m, 7);
            let xs: Vec<[$t; 3]> = X.iter().map(|r| r.map(|v| v as $t)).collect();
            let ys = $ys;
            // per sample: the gradient against central differences
            for (x, y) in xs.iter().zip(&ys) {
                let mut g = $name::zeros();
                let value = m.backward_add(*x, *y, &mut g);
                assert_eq!(value, m.loss(*x, *y), "backward_add returns the loss");
                let opts = Options {
                    eps: $eps,
                    atol: $tol,
                    rtol: $tol,
                    ..Options::default()
                };
                let report = gradcheck(&m, &g, |p| p.loss(*x, *y), &opts).unwrap();
                assert!(report.passed(), "{}", report);
            }
            // batch: the mean of the per-sample gradients, on both paths
            let mut mean = $name::zeros();
            let mut total = 0.0;
            for (x, y) in xs.iter().zip(&ys) {
                total += m.backward_add(*x, *y, &mut mean);
            }
            let n = xs.len() as $t;
            let mean: Vec<$t> = flatten(&mean).iter().map(|v| v / n).collect();
            let mut g = $name::zeros();
            let batch_loss = m.batch_backward(&xs, &ys, &mut g).unwrap();
            assert_eq!(
                m.batch_loss(&xs, &ys).unwrap(),
                batch_loss,
                "batch_loss, no backward"
            );
            assert!((batch_loss - total / n).abs() <= 1e-6 * (total / n).abs().max(1.0) as $t);
            for (a, b) in flatten(&g).iter().zip(&mean) {
                assert!(
                    (a - b).abs() <= (1e-12 as $t).max(<$t>::EPSILON * 8.0) * b.abs().max(1.0),
                    "batch {a} vs mean {b}"
                );
            }
            let mut ws = Default::default();
            let mut g2 = $name::zeros();
            let gemm_loss = m.batch_backward_gemm(&mut ws, &xs, &ys, &mut g2).unwrap();
            assert!(
                (gemm_loss - batch_loss).abs() <= <$t>::EPSILON * 64.0 * batch_loss.abs().max(1.0)
            );
            for (a, b) in flatten(&g2).iter().zip(flatten(&g).iter()) {
                assert!(
                    (a - b).abs() <= <$t>::EPSILON * 64.0 * b.abs().max(1.0),
                    "gemm {a} vs per-sample {b}"
                );
            }
        }
    };
}

check_net!(
    relu_f64,
    Relu64,
    f64,
    vec![1.0, -0.5, 0.25, 2.0],
    1e-6,
    1e-6
);
check_net!(
    tanh_f64,
    Tanh64,
    f64,
    vec![1.0, -0.5, 0.25, 2.0],
    1e-6,
    1e-6
);
check_net!(
    sigmoid_f64,
    Sigmoid64,
    f64,
    vec![1.0, -0.5, 0.25, 2.0],
    1e-6,
    1e-6
);
check_net!(
    gelu_f64,
    Gelu64,
    f64,
    vec![1.0, -0.5, 0.25, 2.0],
    1e-6,
    1e-6
);
check_net!(
    leaky_relu_f64,
    Leaky64,
    f64,
    vec![1.0, -0.5, 0.25, 2.0],
    1e-6,
    1e-6
);
check_net!(
    softplus_f64,
    Softplus64,
    f64,
    vec![1.0, -0.5, 0.25, 2.0],
    1e-6,
    1e-6
);
check_net!(
    silu_f64,
    Silu64,
    f64,
    vec![1.0, -0.5, 0.25, 2.0],
    1e-6,
    1e-6
);
check_net!(
    elementwise_arithmetic_f64,
    Residual64,
    f64,
    vec![1.0, -0.5, 0.25, 2.0],
    1e-6,
    1e-6
);
check_net!(
    hinge_f64,
    Hinge64,
    f64,
    vec![1.0, -1.0, 1.0, -1.0],
    1e-6,
    1e-6
);
check_net!(
    bce_with_logits_f64,
    Bce64,
    f64,
    vec![1.0, 0.0, 1.0, 0.0],
    1e-6,
    1e-6
);
check_net!(
    mse_f64,
    Mse64,
    f64,
    vec![[1.0, 0.0], [0.5, -0.5], [0.0, 2.0], [-1.0, 1.0]],
    1e-6,
    1e-6
);
check_net!(
    softmax_cross_entropy_f64,
    Ce64,
    f64,
    vec![0usize, 3, 1, 2],
    1e-6,
    1e-6
);
check_net!(
    log_softmax_f64,
    LogSoftmax64,
    f64,
    vec![
        [1.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0],
        [0.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 1.0]
    ],
    1e-6,
    1e-6
);
check_net!(
    softmax_f64,
    Softmax64,
    f64,
    vec![[1.0, 0.0], [0.5, -0.5], [0.0, 2.0], [-1.0, 1.0]],
    1e-6,
    1e-6
);
check_net!(
    relu_f32,
    Relu32,
    f32,
    vec![1.0f32, -0.5, 0.25, 2.0],
    2e-3,
    2e-2
);
check_net!(
    tanh_f32,
    Tanh32,
    f32,
    vec![1.0f32, -0.5, 0.25, 2.0],
    1e-2,
    2e-2
);
check_net!(
    softmax_cross_entropy_f32,
    Ce32,
    f32,
    vec![0usize, 3, 1, 2],
    1e-2,
    2e-2
);

#[path = "common/moons.rs"]
mod moons;
use moons::Moons;

/// micrograd's demo from a seed: data, uniform(-1, 1) weights, 100 steps.
fn train_moons(seed: u64) -> (Moons, Vec<[f64; 2]>, Vec<f64>) {
    use macrograd::optim::{Optimizer, Sgd};
    let data = macrograd::data::make_moons::<f64>(100, 0.1, true, seed);
    let xs = data.feature_arrays::<2>().unwrap();
    let ys: Vec<f64> = data.y().iter().map(|y| 2.0 * y - 1.0).collect();
    let mut m = Moons::zeros();
    macrograd::init::init_uniform(&mut m, seed).unwrap();
    let (mut g, mut sgd) = (Moons::zeros(), Sgd::with_lr(1.0));
    for k in 0..100 {
        m.batch_backward(&xs, &ys, &mut g).unwrap();
        macrograd::nn::add_l2_penalty(&m, &mut g, 1e-4);
        sgd.set_learning_rate(1.0 - 0.9 * k as f64 / 100.0);
        sgd.step(&mut m, &g).unwrap();
    }
    (m, xs, ys)
}

#[test]
fn moons_reaches_full_training_accuracy_from_several_seeds() {
    for seed in [1, 2, 3, 42, 1337] {
        let (m, xs, ys) = train_moons(seed);
        let hits = xs
            .iter()
            .zip(&ys)
            .filter(|(x, y)| (m.forward(**x)[0] > 0.0) == (**y > 0.0))
            .count();
        assert_eq!(hits, 100, "seed {seed}: {hits}% training accuracy");
    }
}

#[test]
fn checkpoints_round_trip_and_reject_a_mismatched_model() {
    let (m, _, _) = train_moons(7);
    let dir = std::env::temp_dir().join(format!("macrograd-network-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("moons.safetensors");
    macrograd::checkpoint::save(&m, &path).unwrap();
    let mut back = Moons::zeros();
    macrograd::checkpoint::load(&mut back, &path).unwrap();
    assert_eq!(back, m);

    // a model whose layers have other shapes refuses the file, naming the tensor
    let mut other = Relu64::zeros();
    let err = macrograd::checkpoint::load(&mut other, &path)
        .unwrap_err()
        .to_string();
    assert!(err.contains("l1.weight"), "{err}");
    assert_eq!(
        other,
        Relu64::zeros(),
        "nothing is loaded from a mismatched file"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Only with the `rayon` feature (`.ci/run` runs this file with it): without
/// it `batch_backward_par` is the serial loop and there is nothing to compare.
#[cfg(feature = "rayon")]
#[test]
fn parallel_batch_matches_the_serial_one_to_rounding() {
    let data = macrograd::data::make_moons::<f64>(200, 0.1, true, 11);
    let xs = data.feature_arrays::<2>().unwrap();
    let ys: Vec<f64> = data.y().iter().map(|y| 2.0 * y - 1.0).collect();
    let mut m = Moons::zeros();
    macrograd::init::init_uniform(&mut m, 11).unwrap();
    let (mut serial, mut parallel) = (Moons::zeros(), Moons::zeros());
    let a = m.batch_backward(&xs, &ys, &mut serial).unwrap();
    let b = m.batch_backward_par(&xs, &ys, &mut parallel).unwrap();
    assert!((a - b).abs() <= 1e-13 * a.abs());
    for (s, p) in flatten(&serial).iter().zip(flatten(&parallel).iter()) {
        assert!((s - p).abs() <= 1e-13 * s.abs().max(1e-3), "{s} vs {p}");
    }
}

// Activations of `macrograd::ops` written as methods (`h.relu()`,
// `self.l1(x).leaky_relu(0.1)`) are the same network as `relu(h)`.
net!(MethodRelu64, f64, 1, |v| v.relu(), |o, y: f64| (o[0] - y)
    .powi(2));
net!(MethodLeaky64, f64, 1, |v| v.leaky_relu(0.1), |o, y: f64| {
    (o[0] - y).powi(2)
});

grad! {
    struct ChainedMethods64 {
        l1: Linear<3, 5>,
        l2: Linear<5, 1>,
    }
    fn forward(&self, x: [f64; 3]) -> [f64; 1] {
        self.l2(self.l1(x).relu().tanh())
    }
    fn loss(out: [f64; 1], #[nograd] y: f64) -> f64 {
        (out[0] - y).powi(2)
    }
}

grad! {
    struct ChainedCalls64 {
        l1: Linear<3, 5>,
        l2: Linear<5, 1>,
    }
    fn forward(&self, x: [f64; 3]) -> [f64; 1] {
        self.l2(relu(self.l1(x)).tanh())
    }
    fn loss(out: [f64; 1], #[nograd] y: f64) -> f64 {
        (out[0] - y).powi(2)
    }
}

#[test]
fn activations_as_methods_equal_activations_as_functions() {
    fn grads<P: macrograd::Params<Scalar = f64>>(p: &P) -> Vec<f64> {
        flatten(p)
    }
    let (mut a, mut b) = (MethodRelu64::zeros(), Relu64::zeros());
    let (mut c, mut d) = (MethodLeaky64::zeros(), Leaky64::zeros());
    let (mut e, mut f) = (ChainedMethods64::zeros(), ChainedCalls64::zeros());
    fill(&mut a, 7);
    fill(&mut b, 7);
    fill(&mut c, 7);
    fill(&mut d, 7);
    fill(&mut e, 7);
    fill(&mut f, 7);
    for x in X {
        let (mut ga, mut gb) = (MethodRelu64::zeros(), Relu64::zeros());
        assert_eq!(
            a.backward_add(x, 0.3, &mut ga),
            b.backward_add(x, 0.3, &mut gb)
        );
        assert_eq!(grads(&ga), grads(&gb));
        let (mut gc, mut gd) = (MethodLeaky64::zeros(), Leaky64::zeros());
        assert_eq!(
            c.backward_add(x, 0.3, &mut gc),
            d.backward_add(x, 0.3, &mut gd)
        );
        assert_eq!(grads(&gc), grads(&gd));
        let (mut ge, mut gf) = (ChainedMethods64::zeros(), ChainedCalls64::zeros());
        assert_eq!(
            e.backward_add(x, 0.3, &mut ge),
            f.backward_add(x, 0.3, &mut gf)
        );
        assert_eq!(grads(&ge), grads(&gf));
    }
}
