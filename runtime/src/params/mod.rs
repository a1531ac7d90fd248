//! Parameters: how optimizers, checkpoints, initialisers and gradient checks
//! reach every trainable number.
//!
//! A model's parameters are a tree (structs, tuples, arrays, `Vec`s) whose
//! leaves are dense tensors of `f32` or `f64`. [`Params`] walks that tree in
//! a fixed order and hands each leaf to a callback as a flat slice, with its
//! shape and a stable dotted name such as `l1.weight`.
//!
//! # Gradients: one convention
//!
//! **A gradient is the gradient of the call that produced it**, a value of
//! type [`Params::Gradient`] (the same shape as the parameters). Parameters
//! never carry a `.grad` field and there is no `zero_grad` to forget:
//!
//! | producer | what it does with the gradient |
//! |---|---|
//! | generated `*_grad` functions, [`batch_mean`](crate::train::batch_mean) | return it fresh |
//! | networks' `batch_backward`, `batch_backward_gemm`, `batch_backward_par`, the training loop | **overwrite** a reused buffer `&mut grad` with the batch's mean gradient (the buffer's old contents never matter: it only saves an allocation) |
//! | names with *add*: networks' `backward_add`, [`add_l2_penalty`](crate::nn::add_l2_penalty), [`accumulate`] | **add** into what is there (`grad += …`) |
//!
//! So a buffer is never zeroed by hand: a `batch_*` call starts it afresh
//! and only a call that says *add* builds on it (a penalty after a batch,
//! samples summed by hand, gradients of several batches with [`accumulate`]
//! and [`scale`]). Batch means of nothing are errors
//! ([`Error::EmptyBatch`]), never NaN. An optimizer step borrows the
//! parameters mutably and the gradient immutably
//! ([`Params::visit_with_grad`]).
//!
//! The layer kernels in [`crate::nn`] that generated code calls
//! (`Linear::backward`, and the batched ones with an explicit
//! [`Write`](crate::nn::Write) mode) are building blocks below this
//! convention: per-sample ones add, as the adjoint of a value used twice must.
//!
//! # Names
//!
//! A leaf's name is the path to it, components joined by `.`:
//! struct fields by field name, tuple entries by position (`0`, `1`, ...),
//! elements of an array or `Vec` *of non-scalars* by index (`layers.2.bias`).
//! An array of scalars (at any depth: `[f32; 3]`, `[[f64; 3]; 2]`) is one
//! leaf with a shape (`[3]`, `[2, 3]`), so a `Linear` layer's weight is one
//! tensor, as in PyTorch. A leaf at the very root (parameters that are a bare
//! `f64` or array) is named [`ROOT_NAME`]. Visit order is declaration order,
//! so it is the same on every run and every platform.
//!
//! # Writing an implementation (what `#[derive(Params)]` produces)
//!
//! For a struct with named fields the derive writes the three required
//! methods, visiting each field inside [`ParamPath::scope`] under its name,
//! and picks a gradient type with the same field names:
//!
//! ```
//! use macrograd_runtime::params::{Leaf, LeafGrad, LeafMut, ParamPath, Params};
//! use macrograd_runtime::Result;
//!
//! struct Linear { weight: [[f64; 2]; 3], bias: [f64; 3] }
//!
//! impl Params for Linear {
//!     type Scalar = f64;
//!     // The derive uses `Self` when every field is its own gradient (all the
//!     // built-in impls are); a model macro may name a generated `LinearGrad`
//!     // whose fields are `<FieldType as Params>::Gradient`.
//!     type Gradient = Self;
//!     fn visit(&self, path: &mut ParamPath, f: &mut dyn FnMut(Leaf<'_, f64>) -> Result<()>) -> Result<()> {
//!         path.scope("weight", |path| self.weight.visit(path, f))?;
//!         path.scope("bias", |path| self.bias.visit(path, f))
//!     }
//!     fn visit_mut(&mut self, path: &mut ParamPath, f: &mut dyn FnMut(LeafMut<'_, f64>) -> Result<()>) -> Result<()> {
//!         path.scope("weight", |path| self.weight.visit_mut(path, f))?;
//!         path.scope("bias", |path| self.bias.visit_mut(path, f))
//!     }
//!     fn visit_with_grad(&mut self, grad: &Self, path: &mut ParamPath, f: &mut dyn FnMut(LeafGrad<'_, f64>) -> Result<()>) -> Result<()> {
//!         path.scope("weight", |path| self.weight.visit_with_grad(&grad.weight, path, f))?;
//!         path.scope("bias", |path| self.bias.visit_with_grad(&grad.bias, path, f))
//!     }
//! }
//!
//! let layer = Linear { weight: [[0.0; 2]; 3], bias: [0.0; 3] };
//! assert_eq!(macrograd_runtime::params::names(&layer).unwrap(), ["weight", "bias"]);
//! assert_eq!(macrograd_runtime::params::count(&layer), 9);
//! ```
//!
//! The derive's contract, precisely:
//! - `Scalar` is the `Scalar` of the field types (all fields must agree);
//!   for a struct generic over the scalar, the bound `T: Float` is enough,
//!   since every [`Float`] is a `Params<Scalar = T, Gradient = T>`;
//! - `Gradient` is `Self` or a struct with the same field names whose field
//!   types are `<FieldType as Params>::Gradient`;
//! - fields are visited in declaration order, each inside
//!   `path.scope("<field name>", ...)`, with `?` between fields (attributes
//!   such as skip or rename are the derive's to add; the rule is only that
//!   names are unique, non-empty and contain no `.`);
//! - `visit_with_grad` pairs `self.field` with `grad.field`;
//! - the `visit_slice*` methods keep their defaults (an array of structs is
//!   visited element by element under its index).

use crate::error::{Error, Result};
use crate::float::Float;

/// Name of a leaf that sits at the root of the tree (e.g. parameters that
/// are a bare `[f64; 3]`): `"param"`.
pub const ROOT_NAME: &str = "param";

/// The dotted path of the node being visited.
///
/// Implementations of [`Params`] extend it with [`ParamPath::scope`] before
/// visiting a child; callbacks read it through the leaf's `name`.
#[derive(Debug, Clone, Default)]
pub struct ParamPath {
    path: String,
}

impl ParamPath {
    /// An empty path: the root of a parameter tree.
    pub fn root() -> Self {
        Self::default()
    }

    /// Runs `body` with `component` appended to the path, then removes it.
    ///
    /// Components must not be empty or contain `.`; that is the caller's
    /// invariant (field names and indices satisfy it).
    pub fn scope<R>(&mut self, component: &str, body: impl FnOnce(&mut Self) -> R) -> R {
        let len = self.path.len();
        if len > 0 {
            self.path.push('.');
        }
        self.path.push_str(component);
        let out = body(self);
        self.path.truncate(len);
        out
    }

    /// The name a leaf at this path gets: the path, or [`ROOT_NAME`] at the root.
    pub fn name(&self) -> &str {
        if self.path.is_empty() {
            ROOT_NAME
        } else {
            &self.path
        }
    }
}

/// A parameter tensor, read-only.
#[derive(Debug, Clone, Copy)]
pub struct Leaf<'a, T> {
    /// stable dotted name, e.g. `l1.weight`
    pub name: &'a str,
    /// dimensions, outermost first (`[]` for a scalar); their product is `data.len()`
    pub shape: &'a [usize],
    /// the values, row-major
    pub data: &'a [T],
}

/// A parameter tensor, writable (loading, initialising).
#[derive(Debug)]
pub struct LeafMut<'a, T> {
    /// stable dotted name, e.g. `l1.weight`
    pub name: &'a str,
    /// dimensions, outermost first (`[]` for a scalar)
    pub shape: &'a [usize],
    /// the values, row-major
    pub data: &'a mut [T],
}

/// A parameter tensor with its gradient (an optimizer step).
///
/// `param.len() == grad.len()` always holds: the implementations check it
/// and report [`Error::GradientShape`] otherwise.
#[derive(Debug)]
pub struct LeafGrad<'a, T> {
    /// stable dotted name, e.g. `l1.weight`
    pub name: &'a str,
    /// dimensions, outermost first (`[]` for a scalar)
    pub shape: &'a [usize],
    /// the parameter values, row-major
    pub param: &'a mut [T],
    /// the gradient values, same layout
    pub grad: &'a [T],
}

#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a parameter type",
    label = "not made of `f32`/`f64` values, arrays, tuples or `Params` structs",
    note = "mark a field that is not trained `#[params(skip)]`"
)]
/// A tree of trainable tensors that can be visited leaf by leaf.
///
/// See the [module documentation](self) for the naming rule, the gradient
/// ownership rule and what a derive must write. Visiting stops at the first
/// error a callback returns and passes it on.
pub trait Params {
    /// `f32` or `f64`.
    type Scalar: Float;
    /// The gradient's type: the same tree, the same shapes.
    type Gradient: Params<Scalar = Self::Scalar>;

    /// Calls `f` on every leaf, in order.
    fn visit(
        &self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(Leaf<'_, Self::Scalar>) -> Result<()>,
    ) -> Result<()>;

    /// Calls `f` on every leaf, in order, with write access.
    fn visit_mut(
        &mut self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafMut<'_, Self::Scalar>) -> Result<()>,
    ) -> Result<()>;

    /// Calls `f` on every leaf paired with the matching leaf of `grad`.
    ///
    /// A structural mismatch (a `Vec` of another length) is
    /// [`Error::GradientShape`] naming the parameter.
    fn visit_with_grad(
        &mut self,
        grad: &Self::Gradient,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafGrad<'_, Self::Scalar>) -> Result<()>,
    ) -> Result<()>;

    /// Visits a contiguous run of values of this type laid out with `shape`
    /// (the array dimensions around them, outermost first).
    ///
    /// The default visits each element under its index (`2`, or `1.0` for a
    /// 2-D array); scalars override it so an array of scalars is one leaf.
    fn visit_slice(
        items: &[Self],
        shape: &[usize],
        path: &mut ParamPath,
        f: &mut dyn FnMut(Leaf<'_, Self::Scalar>) -> Result<()>,
    ) -> Result<()>
    where
        Self: Sized,
    {
        for (i, item) in items.iter().enumerate() {
            path.scope(&index_name(i, shape), |path| item.visit(path, f))?;
        }
        Ok(())
    }

    /// Writable counterpart of [`Params::visit_slice`].
    fn visit_slice_mut(
        items: &mut [Self],
        shape: &[usize],
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafMut<'_, Self::Scalar>) -> Result<()>,
    ) -> Result<()>
    where
        Self: Sized,
    {
        for (i, item) in items.iter_mut().enumerate() {
            path.scope(&index_name(i, shape), |path| item.visit_mut(path, f))?;
        }
        Ok(())
    }

    /// Gradient-pairing counterpart of [`Params::visit_slice`];
    /// `grads.len()` equals `items.len()` when called from the built-in impls.
    fn visit_slice_with_grad(
        items: &mut [Self],
        grads: &[Self::Gradient],
        shape: &[usize],
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafGrad<'_, Self::Scalar>) -> Result<()>,
    ) -> Result<()>
    where
        Self: Sized,
    {
        check_len(path, items.len(), grads.len())?;
        for (i, (item, grad)) in items.iter_mut().zip(grads).enumerate() {
            path.scope(&index_name(i, shape), |path| {
                item.visit_with_grad(grad, path, f)
            })?;
        }
        Ok(())
    }
}

/// The name of element `i` of a row-major array with dimensions `shape`:
/// its multi-index joined by `.` (so `1.0`, not `3`, in a `[[_; 3]; 2]`).
pub(crate) fn index_name(i: usize, shape: &[usize]) -> String {
    if shape.len() <= 1 {
        return i.to_string();
    }
    let mut digits = vec![0; shape.len()];
    let mut rest = i;
    for (d, &n) in digits.iter_mut().zip(shape).rev() {
        *d = rest % n.max(1);
        rest /= n.max(1);
    }
    digits
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

pub(crate) fn check_len(path: &ParamPath, expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::GradientShape {
            name: path.name().to_owned(),
            expected,
            found,
        })
    }
}

mod impls;
mod visitors;

pub use visitors::{
    accumulate, count, first_non_finite, flatten, for_each, for_each_mut, for_each_with_grad,
    l2_norm, names, scale, shapes, unflatten, zero,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_of_scalars_are_one_leaf_with_shape() {
        let p: ([[f64; 3]; 2], [f64; 3], f64) = ([[1.0; 3]; 2], [2.0; 3], 3.0);
        let s = shapes(&p).unwrap();
        assert_eq!(
            s,
            vec![
                ("0".to_owned(), vec![2, 3]),
                ("1".to_owned(), vec![3]),
                ("2".to_owned(), vec![]),
            ]
        );
        assert_eq!(count(&p), 10);
        assert_eq!(
            flatten(&p),
            [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0]
        );
    }

    #[test]
    fn three_level_arrays_flatten_row_major() {
        let mut p = [[[0.0_f32; 2]; 3]; 4];
        p[3][2][1] = 7.0;
        p[1][0][1] = 5.0;
        let s = shapes(&p).unwrap();
        assert_eq!(s, vec![(ROOT_NAME.to_owned(), vec![4, 3, 2])]);
        let flat = flatten(&p);
        assert_eq!(flat.len(), 24);
        assert_eq!(flat[3 * 6 + 2 * 2 + 1], 7.0);
        assert_eq!(flat[6 + 1], 5.0);
    }

    #[test]
    fn arrays_of_tuples_are_named_by_multi_index() {
        let p = [[(0.0_f64, [0.0_f64; 2]); 2]; 2];
        let n = names(&p).unwrap();
        assert_eq!(
            n,
            ["0.0.0", "0.0.1", "0.1.0", "0.1.1", "1.0.0", "1.0.1", "1.1.0", "1.1.1"]
        );
    }

    #[test]
    fn vec_gradient_of_wrong_length_names_the_parameter() {
        let mut p = (vec![[1.0_f64; 2]; 3], 0.5_f64);
        let g = (vec![[1.0_f64; 2]; 2], 0.0_f64);
        let err = for_each_with_grad(&mut p, &g, |_| Ok(())).unwrap_err();
        match err {
            Error::GradientShape {
                name,
                expected,
                found,
            } => {
                assert_eq!((name.as_str(), expected, found), ("0", 3, 2));
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn vec_of_vec_lengths_are_checked_per_element() {
        let mut p = vec![vec![1.0_f64; 2], vec![1.0; 3]];
        let g = vec![vec![1.0_f64; 2], vec![1.0; 2]];
        let err = for_each_with_grad(&mut p, &g, |_| Ok(())).unwrap_err();
        assert!(err.to_string().contains("`1`"), "{err}");
    }

    #[test]
    fn boxes_are_transparent() {
        let mut p = (Box::new([[1.0_f64; 2]; 2]), 2.0_f64);
        assert_eq!(shapes(&p).unwrap()[0], ("0".to_owned(), vec![2, 2]));
        let g = (Box::new([[1.0_f64; 2]; 2]), 1.0_f64);
        accumulate(&mut p, &g).unwrap();
        assert_eq!(flatten(&p), [2.0, 2.0, 2.0, 2.0, 3.0]);
    }

    #[test]
    fn unflatten_round_trips_and_rejects_wrong_length() {
        let mut p = ([0.0_f64; 2], 0.0_f64);
        unflatten(&mut p, &[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(p, ([1.0, 2.0], 3.0));
        assert!(unflatten(&mut p, &[1.0]).is_err());
        assert_eq!(p, ([1.0, 2.0], 3.0));
    }

    #[test]
    fn accumulate_scale_norm_and_non_finite() {
        let mut acc = ([1.0_f64, 2.0], 3.0_f64);
        accumulate(&mut acc, &([1.0, 1.0], 1.0)).unwrap();
        scale(&mut acc, 0.5);
        assert_eq!(acc, ([1.0, 1.5], 2.0));
        assert!((l2_norm(&([3.0_f64], 4.0_f64)) - 5.0).abs() < 1e-15);
        assert_eq!(first_non_finite(&acc), None);
        assert_eq!(
            first_non_finite(&([1.0_f64], f64::NAN)).as_deref(),
            Some("1")
        );
    }

    #[test]
    fn duplicate_names_are_an_error() {
        struct Twice([f64; 1]);
        impl Params for Twice {
            type Scalar = f64;
            type Gradient = Self;
            fn visit(
                &self,
                path: &mut ParamPath,
                f: &mut dyn FnMut(Leaf<'_, f64>) -> Result<()>,
            ) -> Result<()> {
                path.scope("w", |p| self.0.visit(p, f))?;
                path.scope("w", |p| self.0.visit(p, f))
            }
            fn visit_mut(
                &mut self,
                path: &mut ParamPath,
                f: &mut dyn FnMut(LeafMut<'_, f64>) -> Result<()>,
            ) -> Result<()> {
                path.scope("w", |p| self.0.visit_mut(p, f))
            }
            fn visit_with_grad(
                &mut self,
                g: &Self,
                path: &mut ParamPath,
                f: &mut dyn FnMut(LeafGrad<'_, f64>) -> Result<()>,
            ) -> Result<()> {
                path.scope("w", |p| self.0.visit_with_grad(&g.0, p, f))
            }
        }
        let err = names(&Twice([0.0])).unwrap_err();
        assert!(matches!(err, Error::DuplicateName { name } if name == "w"));
    }
}
