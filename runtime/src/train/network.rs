//! What the training loop needs from a network declared with
//! `grad! { struct … }` ([`Network`], implemented by the macro), and how a
//! [`Dataset`]'s rows become the network's typed inputs and targets
//! ([`FromRow`], once per `fit`, not per batch).

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::params::Params;

/// A network the [`Trainer`](super::Trainer) can train with
/// [`fit_network`](super::Trainer::fit_network): `grad! { struct … }` writes
/// this impl, calling the network's own methods.
///
/// Every method follows the crate's gradient convention (see
/// [`crate::params`]): `train_batch` **overwrites** `grad` with the mean
/// gradient of the batch, and an empty batch is an error, never a NaN.
pub trait Network: Params<Gradient = Self> + Clone {
    /// One input, e.g. `[f32; 784]`.
    type Input: Copy;
    /// One sample's targets, e.g. `f64`, a class label `usize`, or a tuple.
    type Target: Copy;
    /// Buffers reused across steps by the batched (GEMM) pass.
    type Workspace: Default;

    /// Every parameter zero: the gradient buffer.
    fn zeros() -> Self;

    /// The mean loss over a batch, without a backward pass.
    fn batch_loss(&self, xs: &[Self::Input], ys: &[Self::Target]) -> Result<Self::Scalar>;

    /// The mean loss over a batch, with the mean gradient written into
    /// `grad` (overwriting it), through whichever pass suits the network's
    /// layer sizes (the generated impl says which).
    fn train_batch(
        &self,
        ws: &mut Self::Workspace,
        xs: &[Self::Input],
        ys: &[Self::Target],
        grad: &mut Self,
    ) -> Result<Self::Scalar>;
}

/// A value read from one row of a [`Dataset`] (its features or its
/// targets), for [`Trainer::fit_network`](super::Trainer::fit_network).
pub trait FromRow<T>: Sized {
    /// The value of `row`, or what is wrong with it (its width, a label that
    /// is not a whole number).
    fn from_row(row: &[T]) -> std::result::Result<Self, String>;
}

impl<T: Float, const N: usize> FromRow<T> for [T; N] {
    fn from_row(row: &[T]) -> std::result::Result<Self, String> {
        row.try_into()
            .map_err(|_| format!("{} values, the network takes {N}", row.len()))
    }
}

macro_rules! scalar_from_row {
    ($($t:ty),*) => {$(
        impl FromRow<$t> for $t {
            fn from_row(row: &[$t]) -> std::result::Result<Self, String> {
                match row {
                    [v] => Ok(*v),
                    _ => Err(format!("{} values, the network takes 1", row.len())),
                }
            }
        }
    )*};
}
scalar_from_row!(f32, f64);

/// A class label, stored in the data set as `0.0, 1.0, …`.
impl<T: Float> FromRow<T> for usize {
    fn from_row(row: &[T]) -> std::result::Result<Self, String> {
        match row {
            [v] if v.to_f64() >= 0.0 && v.to_f64().fract() == 0.0 => Ok(v.to_f64() as usize),
            [v] => Err(format!("the class label {v} is not a whole number ≥ 0")),
            _ => Err(format!("{} values, the network takes 1 label", row.len())),
        }
    }
}

/// A data set as the network's typed inputs and targets.
pub(super) struct Typed<X, Y> {
    pub xs: Vec<X>,
    pub ys: Vec<Y>,
}

impl<X, Y> Typed<X, Y> {
    /// Converts every row; [`Error::Data`] names the first bad row (from 0).
    pub fn new<T: Float>(data: &Dataset<T>, what: &str) -> Result<Self>
    where
        X: FromRow<T>,
        Y: FromRow<T>,
    {
        let (mut xs, mut ys) = (
            Vec::with_capacity(data.len()),
            Vec::with_capacity(data.len()),
        );
        for i in 0..data.len() {
            let bad = |part: &str, e: String| Error::Data(format!("{what} row {i}: {part}: {e}"));
            xs.push(X::from_row(data.features(i)).map_err(|e| bad("features", e))?);
            ys.push(Y::from_row(data.targets(i)).map_err(|e| bad("targets", e))?);
        }
        Ok(Self { xs, ys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_arrays_scalars_and_labels() {
        let data = Dataset::new(vec![1.0_f64, 2.0, 3.0, 4.0], 2, vec![0.0, 2.0], 1).unwrap();
        let t: Typed<[f64; 2], usize> = Typed::new(&data, "training").unwrap();
        assert_eq!((t.xs, t.ys), (vec![[1.0, 2.0], [3.0, 4.0]], vec![0, 2]));
        let t: Typed<[f64; 2], f64> = Typed::new(&data, "training").unwrap();
        assert_eq!(t.ys, [0.0, 2.0]);
    }

    #[test]
    fn a_wrong_width_or_label_names_the_row() {
        let data = Dataset::new(vec![1.0_f64, 2.0, 3.0, 4.0], 2, vec![0.0, 0.5], 1).unwrap();
        let err = Typed::<[f64; 3], f64>::new(&data, "training")
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "invalid data: training row 0: features: 2 values, the network takes 3"
        );
        let err = Typed::<[f64; 2], usize>::new(&data, "validation")
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "invalid data: validation row 1: targets: the class label 0.5 is not a whole number ≥ 0"
        );
    }
}
