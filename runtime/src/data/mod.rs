//! Data sets: a row-major [`Dataset`], seeded synthetic generators
//! ([`synthetic`]), CSV and MNIST IDX loaders ([`csv`], [`idx`]), a seeded
//! train/test split and standardisation.

use crate::error::{Error, Result};
use crate::float::Float;
use crate::rng;

pub mod csv;
pub mod idx;
pub mod synthetic;

pub use self::csv::{load_csv, read_csv, Column, CsvOptions};
pub use self::idx::{load_mnist, load_mnist_with, read_idx, read_idx_with, IdxArray, IdxOptions};
pub use self::synthetic::{make_blobs, make_circles, make_moons, make_regression};

/// Samples as rows: `n_features` inputs and `n_targets` targets each
/// (a class label is one target holding `0.0, 1.0, ...`).
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset<T> {
    x: Vec<T>,
    y: Vec<T>,
    n_features: usize,
    n_targets: usize,
}

impl<T: Float> Dataset<T> {
    /// A data set from row-major features and targets; [`Error::Data`] if the
    /// lengths do not make the same number of rows.
    pub fn new(x: Vec<T>, n_features: usize, y: Vec<T>, n_targets: usize) -> Result<Self> {
        let rows_x = x.len().checked_div(n_features);
        let consistent = n_features > 0
            && x.len() % n_features == 0
            && match n_targets {
                0 => y.is_empty(),
                m => y.len() % m == 0 && Some(y.len() / m) == rows_x,
            };
        if !consistent {
            return Err(Error::Data(format!(
                "{} feature values in rows of {n_features} and {} target values in rows of {n_targets} do not make the same number of rows",
                x.len(),
                y.len()
            )));
        }
        Ok(Self {
            x,
            y,
            n_features,
            n_targets,
        })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.x.len() / self.n_features
    }

    /// No samples.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Inputs per sample.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Targets per sample (0 for unlabelled data).
    pub fn n_targets(&self) -> usize {
        self.n_targets
    }

    /// All features, row-major.
    pub fn x(&self) -> &[T] {
        &self.x
    }

    /// All targets, row-major.
    pub fn y(&self) -> &[T] {
        &self.y
    }

    /// Features of sample `i`.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn features(&self, i: usize) -> &[T] {
        &self.x[i * self.n_features..(i + 1) * self.n_features]
    }

    /// Targets of sample `i`.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn targets(&self, i: usize) -> &[T] {
        &self.y[i * self.n_targets..(i + 1) * self.n_targets]
    }

    /// Features of every sample as fixed-size arrays, the input type of
    /// generated models; [`Error::Data`] unless `N == self.n_features()`.
    pub fn feature_arrays<const N: usize>(&self) -> Result<Vec<[T; N]>> {
        if N != self.n_features {
            return Err(Error::Data(format!(
                "asked for rows of {N} features, the data set has {}",
                self.n_features
            )));
        }
        Ok(self
            .x
            .chunks_exact(N)
            .map(|row| {
                let mut a = [T::ZERO; N];
                a.copy_from_slice(row);
                a
            })
            .collect())
    }

    /// The samples at `indices`, in that order.
    ///
    /// # Panics
    /// If an index is out of range.
    pub fn select(&self, indices: &[usize]) -> Self {
        let mut x = Vec::with_capacity(indices.len() * self.n_features);
        let mut y = Vec::with_capacity(indices.len() * self.n_targets);
        for &i in indices {
            x.extend_from_slice(self.features(i));
            y.extend_from_slice(self.targets(i));
        }
        Self {
            x,
            y,
            n_features: self.n_features,
            n_targets: self.n_targets,
        }
    }

    /// Seeded shuffle of the samples, as [`train_test_split`] does.
    pub fn shuffled(&self, seed: u64) -> Self {
        self.select(&rng::permutation(&mut rng::seeded(seed), self.len()))
    }
}

/// Splits into `(train, test)` after a seeded shuffle; the test set has
/// `⌈test_fraction·n⌉` samples, as scikit-learn's `train_test_split`.
///
/// [`Error::Data`] unless `0 < test_fraction < 1` and both parts are non-empty.
pub fn train_test_split<T: Float>(
    data: &Dataset<T>,
    test_fraction: f64,
    seed: u64,
) -> Result<(Dataset<T>, Dataset<T>)> {
    let n = data.len();
    let n_test = (test_fraction * n as f64).ceil() as usize;
    if !(test_fraction > 0.0 && test_fraction < 1.0) || n_test == 0 || n_test >= n {
        return Err(Error::Data(format!(
            "test fraction {test_fraction} of {n} samples leaves an empty train or test set"
        )));
    }
    let order = rng::permutation(&mut rng::seeded(seed), n);
    let (test, train) = order.split_at(n_test);
    Ok((data.select(train), data.select(test)))
}

/// Per-feature standardisation `(x − mean) / std`, as scikit-learn's
/// `StandardScaler`: population standard deviation, and a feature with zero
/// deviation is only centred.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    /// mean of each feature in the data it was fitted on
    pub mean: Vec<f64>,
    /// standard deviation of each feature (1 where it was 0)
    pub std: Vec<f64>,
}

impl Standardizer {
    /// Means and deviations of `data`'s features; [`Error::Data`] if empty.
    pub fn fit<T: Float>(data: &Dataset<T>) -> Result<Self> {
        let n = data.len();
        if n == 0 {
            return Err(Error::Data("cannot standardise an empty data set".into()));
        }
        let d = data.n_features();
        let mut mean = vec![0.0; d];
        for row in data.x().chunks_exact(d) {
            for (m, x) in mean.iter_mut().zip(row) {
                *m += x.to_f64();
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let mut var = vec![0.0; d];
        for row in data.x().chunks_exact(d) {
            for ((v, x), m) in var.iter_mut().zip(row).zip(&mean) {
                *v += (x.to_f64() - m).powi(2);
            }
        }
        let std = var
            .into_iter()
            .map(|v| {
                let s = (v / n as f64).sqrt();
                if s > 0.0 {
                    s
                } else {
                    1.0
                }
            })
            .collect();
        Ok(Self { mean, std })
    }

    /// Standardises one row in place.
    ///
    /// # Panics
    /// If the row's length is not the fitted feature count.
    pub fn transform_row<T: Float>(&self, row: &mut [T]) {
        assert_eq!(
            row.len(),
            self.mean.len(),
            "row length differs from the fitted feature count"
        );
        for ((x, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
            *x = T::from_f64((x.to_f64() - m) / s);
        }
    }

    /// Standardises every row of `data`; [`Error::Data`] if its feature count differs.
    pub fn transform<T: Float>(&self, data: &mut Dataset<T>) -> Result<()> {
        if data.n_features() != self.mean.len() {
            return Err(Error::Data(format!(
                "standardiser was fitted on {} features, the data set has {}",
                self.mean.len(),
                data.n_features()
            )));
        }
        let d = data.n_features;
        for row in data.x.chunks_exact_mut(d) {
            self.transform_row(row);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Dataset<f64> {
        let x: Vec<f64> = (0..20).map(f64::from).collect();
        let y: Vec<f64> = (0..10).map(f64::from).collect();
        Dataset::new(x, 2, y, 1).unwrap()
    }

    #[test]
    fn new_rejects_ragged_sizes() {
        assert!(Dataset::new(vec![1.0_f64; 5], 2, vec![0.0; 2], 1).is_err());
        assert!(Dataset::new(vec![1.0_f64; 4], 2, vec![0.0; 3], 1).is_err());
    }

    #[test]
    fn split_is_seeded_disjoint_and_sized_like_sklearn() {
        let data = toy();
        let (train, test) = train_test_split(&data, 0.25, 3).unwrap();
        assert_eq!((train.len(), test.len()), (7, 3)); // ⌈2.5⌉ = 3
                                                       // rows stay intact: y = x₀/2 in `toy`
        for d in [&train, &test] {
            for i in 0..d.len() {
                assert_eq!(d.targets(i)[0] * 2.0, d.features(i)[0]);
            }
        }
        let mut all: Vec<f64> = train.y().iter().chain(test.y()).copied().collect();
        all.sort_by(f64::total_cmp);
        assert_eq!(all, data.y());
        assert_eq!(train_test_split(&data, 0.25, 3).unwrap().1, test);
        assert!(train_test_split(&data, 1.0, 3).is_err());
    }

    #[test]
    fn standardised_features_have_zero_mean_unit_variance() {
        let mut data = toy();
        let s = Standardizer::fit(&data).unwrap();
        // feature 0 is 0, 2, ..., 18: mean 9, population variance 33
        assert!((s.mean[0] - 9.0).abs() < 1e-12 && (s.std[0] - 33f64.sqrt()).abs() < 1e-12);
        s.transform(&mut data).unwrap();
        let refit = Standardizer::fit(&data).unwrap();
        for (m, sd) in refit.mean.iter().zip(&refit.std) {
            assert!(m.abs() < 1e-12 && (sd - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn feature_arrays_check_the_width() {
        let data = toy();
        assert_eq!(data.feature_arrays::<2>().unwrap()[1], [2.0, 3.0]);
        assert!(data.feature_arrays::<3>().is_err());
    }
}
