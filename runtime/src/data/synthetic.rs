//! Seeded toy data sets with scikit-learn's parameters and meaning
//! (`sklearn.datasets.make_*`).
//!
//! The geometry, labels and parameter semantics follow scikit-learn; the
//! random numbers come from this crate's ChaCha generator, so the samples
//! are not bit-identical to scikit-learn's for the same seed, but they are
//! identical across platforms and runs for the same seed here.

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::rng::{self, Rng};
use core::f64::consts::PI;

/// `n` evenly spaced points from `start` to `stop` (`stop` included unless
/// `endpoint` is false), as `numpy.linspace`.
fn linspace(start: f64, stop: f64, n: usize, endpoint: bool) -> Vec<f64> {
    let div = if endpoint { n.saturating_sub(1) } else { n };
    if div == 0 {
        return vec![start; n];
    }
    let step = (stop - start) / div as f64;
    (0..n).map(|i| start + step * i as f64).collect()
}

/// Builds the data set, shuffles rows (if asked) and adds Gaussian noise of
/// standard deviation `noise` to every feature, in scikit-learn's order.
fn finish<T: Float>(
    mut x: Vec<f64>,
    n_features: usize,
    mut y: Vec<f64>,
    shuffle: bool,
    noise: f64,
    rng: &mut Rng,
) -> Dataset<T> {
    let n = y.len();
    if shuffle {
        let order = rng::permutation(rng, n);
        x = order
            .iter()
            .flat_map(|&i| x[i * n_features..(i + 1) * n_features].to_vec())
            .collect();
        y = order.iter().map(|&i| y[i]).collect();
    }
    if noise > 0.0 {
        for v in &mut x {
            *v += noise * rng::standard_normal(rng);
        }
    }
    let x = x.into_iter().map(T::from_f64).collect();
    let y = y.into_iter().map(T::from_f64).collect();
    Dataset::new(x, n_features, y, 1).expect("generators build consistent row counts")
}

/// Two interleaving half circles (`sklearn.datasets.make_moons`).
///
/// `n_samples / 2` (rounded down) points on the upper unit half circle
/// (label 0) and the rest on the lower half circle centred at `(1, 0.5)`
/// (label 1); `noise` is the standard deviation of Gaussian noise added to
/// the features (0: none).
pub fn make_moons<T: Float>(n_samples: usize, noise: f64, shuffle: bool, seed: u64) -> Dataset<T> {
    let n_out = n_samples / 2;
    let n_in = n_samples - n_out;
    let mut x = Vec::with_capacity(2 * n_samples);
    for t in linspace(0.0, PI, n_out, true) {
        x.extend([t.cos(), t.sin()]);
    }
    for t in linspace(0.0, PI, n_in, true) {
        x.extend([1.0 - t.cos(), 1.0 - t.sin() - 0.5]);
    }
    let y = [vec![0.0; n_out], vec![1.0; n_in]].concat();
    finish(x, 2, y, shuffle, noise, &mut rng::seeded(seed))
}

/// A small circle inside a large one (`sklearn.datasets.make_circles`).
///
/// `n_samples / 2` (rounded down) points on the unit circle (label 0) and
/// the rest on a circle of radius `factor` (label 1), equally spaced without
/// repeating the start point. [`Error::Data`] unless `0 <= factor < 1`.
pub fn make_circles<T: Float>(
    n_samples: usize,
    noise: f64,
    factor: f64,
    shuffle: bool,
    seed: u64,
) -> Result<Dataset<T>> {
    if !(0.0..1.0).contains(&factor) {
        return Err(Error::Data(format!(
            "circle factor {factor} is not in [0, 1)"
        )));
    }
    let n_out = n_samples / 2;
    let n_in = n_samples - n_out;
    let mut x = Vec::with_capacity(2 * n_samples);
    for t in linspace(0.0, 2.0 * PI, n_out, false) {
        x.extend([t.cos(), t.sin()]);
    }
    for t in linspace(0.0, 2.0 * PI, n_in, false) {
        x.extend([factor * t.cos(), factor * t.sin()]);
    }
    let y = [vec![0.0; n_out], vec![1.0; n_in]].concat();
    Ok(finish(x, 2, y, shuffle, noise, &mut rng::seeded(seed)))
}

/// Where the blobs of [`make_blobs`] are.
#[derive(Debug, Clone, PartialEq)]
pub enum Centers {
    /// this many centres drawn uniformly from `center_box` in every dimension
    Random(usize),
    /// these centres (each of `n_features` coordinates)
    Given(Vec<Vec<f64>>),
}

/// Parameters of [`make_blobs`]; `Default` gives scikit-learn's.
#[derive(Debug, Clone, PartialEq)]
pub struct BlobsConfig {
    /// total samples, spread as evenly as possible, the first centres taking the remainder (`100`)
    pub n_samples: usize,
    /// dimensions (`2`; ignored with [`Centers::Given`])
    pub n_features: usize,
    /// the centres (`Random(3)`)
    pub centers: Centers,
    /// standard deviation of every blob (`1.0`)
    pub cluster_std: f64,
    /// range of random centres (`(-10, 10)`)
    pub center_box: (f64, f64),
    /// shuffle the rows (`true`)
    pub shuffle: bool,
}

impl Default for BlobsConfig {
    fn default() -> Self {
        Self {
            n_samples: 100,
            n_features: 2,
            centers: Centers::Random(3),
            cluster_std: 1.0,
            center_box: (-10.0, 10.0),
            shuffle: true,
        }
    }
}

/// Isotropic Gaussian blobs (`sklearn.datasets.make_blobs`); the label is
/// the blob's index. Returns the data and the centres used.
pub fn make_blobs<T: Float>(cfg: &BlobsConfig, seed: u64) -> Result<(Dataset<T>, Vec<Vec<f64>>)> {
    let mut rng = rng::seeded(seed);
    let centers = match &cfg.centers {
        Centers::Random(k) => (0..*k)
            .map(|_| {
                (0..cfg.n_features)
                    .map(|_| rng::uniform(&mut rng, cfg.center_box.0, cfg.center_box.1))
                    .collect()
            })
            .collect(),
        Centers::Given(c) => c.clone(),
    };
    let k = centers.len();
    let d = centers.first().map_or(0, Vec::len);
    if k == 0 || d == 0 || centers.iter().any(|c| c.len() != d) {
        return Err(Error::Data(
            "blobs need at least one centre, all with the same non-zero dimension".into(),
        ));
    }
    let mut x = Vec::with_capacity(cfg.n_samples * d);
    let mut y = Vec::with_capacity(cfg.n_samples);
    for (label, center) in centers.iter().enumerate() {
        let count = cfg.n_samples / k + usize::from(label < cfg.n_samples % k);
        for _ in 0..count {
            for &c in center {
                x.push(c + cfg.cluster_std * rng::standard_normal(&mut rng));
            }
            y.push(label as f64);
        }
    }
    Ok((finish(x, d, y, cfg.shuffle, 0.0, &mut rng), centers))
}

/// Parameters of [`make_regression`]; `Default` gives scikit-learn's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegressionConfig {
    /// samples (`100`)
    pub n_samples: usize,
    /// features (`100`)
    pub n_features: usize,
    /// features with a non-zero coefficient (`10`, capped at `n_features`)
    pub n_informative: usize,
    /// targets per sample (`1`)
    pub n_targets: usize,
    /// added to every target (`0`)
    pub bias: f64,
    /// standard deviation of Gaussian noise on the targets (`0`)
    pub noise: f64,
    /// shuffle the rows and the feature order (`true`)
    pub shuffle: bool,
}

impl Default for RegressionConfig {
    fn default() -> Self {
        Self {
            n_samples: 100,
            n_features: 100,
            n_informative: 10,
            n_targets: 1,
            bias: 0.0,
            noise: 0.0,
            shuffle: true,
        }
    }
}

/// A random linear regression problem (`sklearn.datasets.make_regression`,
/// without `effective_rank`): standard normal features, `n_informative`
/// coefficients drawn from `100·U(0, 1)` and the rest 0,
/// `y = X·coef + bias + noise`. Returns the data and `coef`
/// (`n_features × n_targets`, row-major, in the returned feature order).
pub fn make_regression<T: Float>(
    cfg: &RegressionConfig,
    seed: u64,
) -> Result<(Dataset<T>, Vec<f64>)> {
    let (n, d, m) = (cfg.n_samples, cfg.n_features, cfg.n_targets);
    if d == 0 || m == 0 {
        return Err(Error::Data(
            "regression needs at least one feature and one target".into(),
        ));
    }
    let mut rng = rng::seeded(seed);
    let x: Vec<f64> = (0..n * d).map(|_| rng::standard_normal(&mut rng)).collect();
    let informative = cfg.n_informative.min(d);
    let mut coef = vec![0.0; d * m];
    for c in coef.iter_mut().take(informative * m) {
        *c = 100.0 * rng::uniform(&mut rng, 0.0, 1.0);
    }
    let mut y = vec![cfg.bias; n * m];
    for i in 0..n {
        for j in 0..d {
            for t in 0..m {
                y[i * m + t] += x[i * d + j] * coef[j * m + t];
            }
        }
    }
    if cfg.noise > 0.0 {
        for v in &mut y {
            *v += cfg.noise * rng::standard_normal(&mut rng);
        }
    }
    let mut rows: Vec<usize> = (0..n).collect();
    let mut cols: Vec<usize> = (0..d).collect();
    if cfg.shuffle {
        rng::shuffle(&mut rng, &mut rows);
        rng::shuffle(&mut rng, &mut cols);
    }
    let x_out: Vec<T> = rows
        .iter()
        .flat_map(|&i| cols.iter().map(move |&j| (i, j)))
        .map(|(i, j)| T::from_f64(x[i * d + j]))
        .collect();
    let y_out: Vec<T> = rows
        .iter()
        .flat_map(|&i| y[i * m..(i + 1) * m].iter().map(|&v| T::from_f64(v)))
        .collect();
    let coef_out: Vec<f64> = cols
        .iter()
        .flat_map(|&j| coef[j * m..(j + 1) * m].to_vec())
        .collect();
    Ok((Dataset::new(x_out, d, y_out, m)?, coef_out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moons_lie_on_their_half_circles() {
        let data: Dataset<f64> = make_moons(101, 0.0, true, 5);
        let labels: Vec<f64> = data.y().to_vec();
        assert_eq!(labels.iter().filter(|&&l| l == 0.0).count(), 50);
        assert_eq!(labels.iter().filter(|&&l| l == 1.0).count(), 51);
        for i in 0..data.len() {
            let [a, b] = [data.features(i)[0], data.features(i)[1]];
            if data.targets(i)[0] == 0.0 {
                assert!((a * a + b * b - 1.0).abs() < 1e-12 && b >= -1e-12);
            } else {
                let (u, v) = (a - 1.0, b - 0.5);
                assert!((u * u + v * v - 1.0).abs() < 1e-12 && v <= 1e-12);
            }
        }
        assert_eq!(data, make_moons(101, 0.0, true, 5));
        assert_ne!(data, make_moons(101, 0.0, true, 6));
        // noise moves points off the circles by about `noise`
        let noisy: Dataset<f64> = make_moons(2000, 0.1, false, 5);
        let clean: Dataset<f64> = make_moons(2000, 0.0, false, 5);
        let mse = noisy
            .x()
            .iter()
            .zip(clean.x())
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / noisy.x().len() as f64;
        assert!((mse.sqrt() - 0.1).abs() < 0.01, "{}", mse.sqrt());
    }

    #[test]
    fn circles_have_radius_one_and_factor() {
        let data: Dataset<f32> = make_circles(40, 0.0, 0.3, false, 1).unwrap();
        for i in 0..data.len() {
            let r = data.features(i).iter().map(|v| v * v).sum::<f32>().sqrt();
            let expected = if data.targets(i)[0] == 0.0 { 1.0 } else { 0.3 };
            assert!((r - expected).abs() < 1e-6);
        }
        // endpoint excluded: first and last outer points differ
        assert_ne!(data.features(0), data.features(19));
        assert!(make_circles::<f64>(10, 0.0, 1.0, false, 1).is_err());
    }

    #[test]
    fn blobs_gather_around_their_centres() {
        let cfg = BlobsConfig {
            n_samples: 3001,
            cluster_std: 0.5,
            ..Default::default()
        };
        let (data, centers) = make_blobs::<f64>(&cfg, 9).unwrap();
        assert_eq!(centers.len(), 3);
        for (label, c) in centers.iter().enumerate() {
            assert!(c.iter().all(|v| (-10.0..10.0).contains(v)));
            let rows: Vec<usize> = (0..data.len())
                .filter(|&i| data.targets(i)[0] == label as f64)
                .collect();
            assert_eq!(rows.len(), if label == 0 { 1001 } else { 1000 });
            for (dim, &cd) in c.iter().enumerate() {
                let mean =
                    rows.iter().map(|&i| data.features(i)[dim]).sum::<f64>() / rows.len() as f64;
                // standard error 0.5/√1000 ≈ 0.016
                assert!(
                    (mean - cd).abs() < 0.08,
                    "blob {label} dim {dim}: {mean} vs {cd}"
                );
            }
        }
    }

    #[test]
    fn regression_targets_are_the_linear_model() {
        let cfg = RegressionConfig {
            n_samples: 50,
            n_features: 8,
            n_informative: 3,
            bias: 2.5,
            ..Default::default()
        };
        let (data, coef) = make_regression::<f64>(&cfg, 4).unwrap();
        assert_eq!(coef.iter().filter(|&&c| c != 0.0).count(), 3);
        assert!(coef.iter().all(|&c| (0.0..100.0).contains(&c)));
        for i in 0..data.len() {
            let pred: f64 = data
                .features(i)
                .iter()
                .zip(&coef)
                .map(|(x, c)| x * c)
                .sum::<f64>()
                + 2.5;
            assert!((pred - data.targets(i)[0]).abs() < 1e-9);
        }
    }
}
