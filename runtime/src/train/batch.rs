//! Mini-batches over a [`Dataset`], the mean of a per-sample gradient over a
//! batch, and the accuracy metric.

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::ops::Real;
use crate::params::{accumulate, scale, Params};

/// A mini-batch: some rows of a [`Dataset`], borrowed, in batch order.
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a, T> {
    data: &'a Dataset<T>,
    indices: &'a [usize],
}

impl<'a, T: Float> Batch<'a, T> {
    /// A batch of the rows `indices` of `data`.
    ///
    /// # Panics
    /// Accessors panic if an index is out of range.
    pub fn new(data: &'a Dataset<T>, indices: &'a [usize]) -> Self {
        Self { data, indices }
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// No samples.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// Features of the `i`-th sample of the batch.
    pub fn features(&self, i: usize) -> &'a [T] {
        self.data.features(self.indices[i])
    }

    /// Targets of the `i`-th sample of the batch.
    pub fn targets(&self, i: usize) -> &'a [T] {
        self.data.targets(self.indices[i])
    }

    /// `(features, targets)` of every sample.
    pub fn iter(&self) -> impl Iterator<Item = (&'a [T], &'a [T])> + '_ {
        (0..self.len()).map(|i| (self.features(i), self.targets(i)))
    }
}

/// Mean loss and mean gradient of a per-sample `(loss, gradient)` function
/// over a batch (the gradients are summed with [`accumulate`], then scaled);
/// the gradient returned is fresh, as a generated `*_grad` function's.
///
/// # Errors
///
/// [`Error::EmptyBatch`] for an empty batch (the mean of nothing is not a
/// number); [`Error::GradientShape`] if the per-sample gradients do not all
/// have the same structure (a `Vec` of varying length), a bug in the
/// gradient function.
pub fn batch_mean<P, G>(
    params: &P,
    batch: &Batch<'_, P::Scalar>,
    mut per_sample: impl FnMut(&P, &[P::Scalar], &[P::Scalar]) -> (P::Scalar, G),
) -> Result<(P::Scalar, G)>
where
    P: Params<Gradient = G>,
    G: Params<Scalar = P::Scalar, Gradient = G>,
{
    let mut samples = batch.iter();
    let (x, y) = samples.next().ok_or(Error::EmptyBatch {
        method: "batch_mean",
    })?;
    let (mut loss, mut grad) = per_sample(params, x, y);
    for (x, y) in samples {
        let (l, g) = per_sample(params, x, y);
        loss += l;
        accumulate(&mut grad, &g)?;
    }
    let inv = P::Scalar::ONE / P::Scalar::from_f64(batch.len() as f64);
    scale(&mut grad, inv);
    Ok((loss * inv, grad))
}

/// Fraction of samples whose predicted class (from `predict(params, features)`)
/// equals the first target, for use with [`Trainer::metric`](super::Trainer::metric).
pub fn accuracy<'a, P: Params>(
    predict: impl Fn(&P, &[P::Scalar]) -> P::Scalar + 'a,
) -> impl FnMut(&P, &Batch<'_, P::Scalar>) -> f64 + 'a {
    move |p, batch| {
        if batch.is_empty() {
            return f64::NAN;
        }
        let hits = batch.iter().filter(|(x, y)| predict(p, x) == y[0]).count();
        hits as f64 / batch.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Line = ([f64; 1], f64);

    fn line_data() -> Dataset<f64> {
        let x: Vec<f64> = (0..20).map(|i| f64::from(i) / 10.0).collect();
        let y = x.iter().map(|x| 3.0 * x - 1.0).collect();
        Dataset::new(x, 1, y, 1).unwrap()
    }

    fn sq(p: &Line, x: &[f64], y: &[f64]) -> (f64, Line) {
        let r = p.0[0] * x[0] + p.1 - y[0];
        (r * r, ([2.0 * r * x[0]], 2.0 * r))
    }

    #[test]
    fn batch_mean_is_the_mean_of_samples() {
        let data = line_data();
        let p: Line = ([0.5], 0.25);
        let idx = [1, 7, 19];
        let (l, g) = batch_mean(&p, &Batch::new(&data, &idx), sq).unwrap();
        let (mut el, mut eg) = (0.0, ([0.0], 0.0));
        for &i in &idx {
            let (li, gi) = sq(&p, data.features(i), data.targets(i));
            el += li / 3.0;
            eg.0[0] += gi.0[0] / 3.0;
            eg.1 += gi.1 / 3.0;
        }
        assert!(
            (l - el).abs() < 1e-14
                && (g.0[0] - eg.0[0]).abs() < 1e-14
                && (g.1 - eg.1).abs() < 1e-14
        );
    }

    #[test]
    fn the_mean_of_an_empty_batch_is_an_error() {
        let data = line_data();
        let err = batch_mean(&([0.5], 0.25), &Batch::new(&data, &[]), sq).unwrap_err();
        assert!(
            matches!(
                err,
                Error::EmptyBatch {
                    method: "batch_mean"
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn accuracy_counts_matching_labels() {
        let x = vec![-1.0_f64, 2.0, 3.0, -4.0];
        let data = Dataset::new(x, 1, vec![0.0, 1.0, 0.0, 0.0], 1).unwrap();
        let mut acc = accuracy(|_: &f64, x: &[f64]| if x[0] > 0.0 { 1.0 } else { 0.0 });
        let all = [0, 1, 2, 3];
        assert_eq!(acc(&0.0, &Batch::new(&data, &all)), 0.75);
    }
}
