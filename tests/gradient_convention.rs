//! The one gradient convention (see `macrograd::params`): a gradient is the
//! gradient of the call that produced it. `*_grad` returns it fresh, the
//! `batch_*` methods and the training loop overwrite a reused buffer with
//! it, and only a name with `add` (`backward_add`, `add_l2_penalty`,
//! `params::accumulate`) adds into what is there. An empty batch is an
//! error, never a NaN.

use macrograd::params::flatten;
use macrograd::prelude::*;

grad! {
    /// `y = w·x + b` with squared error: its gradient is known in closed form.
    struct Affine {
        l: Linear<2, 1>,
    }
    fn forward(&self, x: [f64; 2]) -> [f64; 1] {
        self.l(x)
    }
    fn loss(out: [f64; 1], #[nograd] y: f64) -> f64 {
        (out[0] - y).powi(2)
    }
}

grad! {
    /// A layer of 64 × 64 weights: its `Network` impl trains through the GEMM pass.
    struct Wide {
        l1: Linear<64, 64>,
        l2: Linear<64, 1>,
    }
    fn forward(&self, x: [f64; 64]) -> [f64; 1] {
        let h = self.l1(x).tanh();
        self.l2(h)
    }
    fn loss(out: [f64; 1], #[nograd] y: f64) -> f64 {
        (out[0] - y).powi(2)
    }
}

#[differentiable]
fn square(x: f64) -> f64 {
    x * x
}

const XS: [[f64; 2]; 3] = [[1.0, 2.0], [-1.0, 0.5], [0.0, -3.0]];
const YS: [f64; 3] = [1.0, 0.0, 2.0];

fn affine() -> Affine {
    let mut m = Affine::zeros();
    m.l.weight[0] = [0.5, -0.25];
    m.l.bias[0] = 0.125;
    m
}

/// The mean gradient `[∂w0, ∂w1, ∂b]` of the squared error, by the closed
/// form `∂/∂w = 2·r·x`, `∂/∂b = 2·r` with `r = w·x + b − y`.
fn closed_form(m: &Affine, xs: &[[f64; 2]], ys: &[f64]) -> [f64; 3] {
    let (w, b) = (m.l.weight[0], m.l.bias[0]);
    let mut g = [0.0; 3];
    for (x, y) in xs.iter().zip(ys) {
        let r = w[0] * x[0] + w[1] * x[1] + b - y;
        g[0] += 2.0 * r * x[0] / xs.len() as f64;
        g[1] += 2.0 * r * x[1] / xs.len() as f64;
        g[2] += 2.0 * r / xs.len() as f64;
    }
    g
}

fn assert_close(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= 1e-12 * y.abs().max(1.0), "{a:?} vs {b:?}");
    }
}

/// A buffer full of what a previous step left behind.
fn stale<P: Params<Scalar = f64>>(mut p: P) -> P {
    macrograd::params::for_each_mut(&mut p, |leaf| {
        leaf.data.iter_mut().for_each(|v| *v = 1e3);
        Ok(())
    })
    .unwrap();
    p
}

#[test]
fn generated_grad_functions_return_a_fresh_gradient() {
    assert_eq!(square_grad(3.0), (9.0, 6.0));
    assert_eq!(square_grad(3.0), (9.0, 6.0), "nothing carried over");
}

#[test]
fn backward_add_adds_into_the_buffer() {
    let m = affine();
    let mut g = Affine::zeros();
    m.backward_add(XS[0], YS[0], &mut g);
    let once = flatten(&g);
    assert_close(&once, &closed_form(&m, &XS[..1], &YS[..1]));
    m.backward_add(XS[0], YS[0], &mut g);
    let twice: Vec<f64> = once.iter().map(|v| 2.0 * v).collect();
    assert_close(&flatten(&g), &twice);
}

#[test]
fn batch_methods_overwrite_the_buffer() {
    let m = affine();
    let want = closed_form(&m, &XS, &YS);
    let mean_loss = XS.iter().zip(YS).map(|(x, y)| m.loss(*x, y)).sum::<f64>() / 3.0;

    let mut g = stale(Affine::zeros());
    let loss = m.batch_backward(&XS, &YS, &mut g).unwrap();
    assert_close(&flatten(&g), &want);
    assert_close(&[loss], &[mean_loss]);

    let (mut g, mut ws) = (stale(Affine::zeros()), AffineWorkspace::new());
    let loss = m.batch_backward_gemm(&mut ws, &XS, &YS, &mut g).unwrap();
    assert_close(&flatten(&g), &want);
    assert_close(&[loss], &[mean_loss]);

    let mut g = stale(Affine::zeros());
    let loss = m.batch_backward_par(&XS, &YS, &mut g).unwrap();
    assert_close(&flatten(&g), &want);
    assert_close(&[loss], &[mean_loss]);

    assert_close(&[m.batch_loss(&XS, &YS).unwrap()], &[mean_loss]);
}

#[test]
fn an_empty_batch_is_an_error_and_leaves_the_buffer() {
    let m = affine();
    let mut g = stale(Affine::zeros());
    let before = g.clone();
    let mut ws = AffineWorkspace::new();
    let errors = [
        m.batch_loss(&[], &[]).unwrap_err(),
        m.batch_backward(&[], &[], &mut g).unwrap_err(),
        m.batch_backward_gemm(&mut ws, &[], &[], &mut g)
            .unwrap_err(),
        m.batch_backward_par(&[], &[], &mut g).unwrap_err(),
    ];
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "`batch_loss` needs at least one sample; the batch is empty",
            "`batch_backward` needs at least one sample; the batch is empty",
            "`batch_backward_gemm` needs at least one sample; the batch is empty",
            "`batch_backward_par` needs at least one sample; the batch is empty",
        ]
    );
    assert_eq!(g, before, "a failed call does not touch the gradient");
}

#[test]
fn inputs_and_targets_of_different_counts_are_an_error() {
    let m = affine();
    let mut g = Affine::zeros();
    let err = m.batch_backward(&XS, &YS[..2], &mut g).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BatchLength {
                method: "batch_backward",
                inputs: 3,
                targets: 2
            }
        ),
        "{err}"
    );
    assert_eq!(err.to_string(), "`batch_backward`: 3 inputs but 2 targets");
}

#[test]
fn the_network_impl_picks_the_pass_by_layer_size() {
    // small layers: the per-sample pass
    let m = affine();
    let (mut a, mut b) = (Affine::zeros(), Affine::zeros());
    let la = Network::train_batch(&m, &mut AffineWorkspace::new(), &XS, &YS, &mut a).unwrap();
    let lb = m.batch_backward(&XS, &YS, &mut b).unwrap();
    assert_eq!((la, flatten(&a)), (lb, flatten(&b)));

    // a 64×64 layer: the GEMM pass, bit for bit
    let mut w = Wide::zeros();
    init_uniform(&mut w, 5).unwrap();
    let xs: Vec<[f64; 64]> = (0..8)
        .map(|i| std::array::from_fn(|j| ((i * 64 + j) as f64 * 0.37).sin()))
        .collect();
    let ys: Vec<f64> = (0..8).map(|i| i as f64 / 8.0).collect();
    let (mut a, mut b, mut ws) = (Wide::zeros(), Wide::zeros(), WideWorkspace::new());
    let la = Network::train_batch(&w, &mut WideWorkspace::new(), &xs, &ys, &mut a).unwrap();
    let lb = w.batch_backward_gemm(&mut ws, &xs, &ys, &mut b).unwrap();
    assert_eq!((la, flatten(&a)), (lb, flatten(&b)));
}

#[test]
fn fit_network_trains_a_generated_network() {
    // y = 1.5·x0 − 0.5·x1 + 0.25 on a grid; the least-squares fit is exact
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 0..6 {
        for j in 0..6 {
            let (a, b) = (i as f64 / 5.0, j as f64 / 5.0);
            x.extend([a, b]);
            y.push(1.5 * a - 0.5 * b + 0.25);
        }
    }
    let data = Dataset::new(x, 2, y, 1).unwrap();
    let mut m = Affine::zeros();
    let config = TrainConfig {
        epochs: 400,
        batch_size: 6,
        progress: Progress::Off,
        ..TrainConfig::default()
    };
    let history = Trainer::new(Sgd::with_lr(0.2), config)
        .fit_network(&mut m, &data)
        .unwrap();
    assert!(history.last().unwrap().train_loss < 1e-12);
    assert_close(
        &[m.l.weight[0][0], m.l.weight[0][1], m.l.bias[0]],
        &[1.5, -0.5, 0.25],
    );
}
