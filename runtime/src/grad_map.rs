//! Gradients keyed by parameter name, for gradients that do not come as a
//! typed [`Params::Gradient`] value: written by hand, computed elsewhere, or
//! assembled piece by piece.
//!
//! [`ByName`] views any parameters as [`Params`] whose gradient type is
//! [`GradMap`], so every optimizer takes such a gradient unchanged. Pairing
//! is by name: a parameter without an entry is [`Error::MissingGradient`],
//! an entry without a parameter is [`Error::UnexpectedGradient`], a length
//! mismatch is [`Error::GradientShape`], each naming the tensor. Nothing is
//! ever skipped silently.
//!
//! ```
//! use macrograd_runtime::grad_map::{ByName, GradMap};
//! use macrograd_runtime::optim::{Optimizer, Sgd};
//! let mut params = ([1.0_f64, 2.0], 3.0_f64);
//! let mut grads = GradMap::new();
//! grads.insert("0", vec![1.0, 1.0]);
//! grads.insert("1", vec![-1.0]);
//! Sgd::with_lr(0.5).step(&mut ByName(&mut params), &grads).unwrap();
//! assert_eq!(params, ([0.5, 1.5], 3.5));
//! ```

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::params::{for_each, Leaf, LeafGrad, LeafMut, ParamPath, Params};

/// Flat gradient vectors by dotted parameter name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GradMap<T> {
    entries: BTreeMap<String, Vec<T>>,
}

impl<T: Float> GradMap<T> {
    /// An empty map.
    pub fn new() -> Self {
        Self {
            entries: BTreeMap::new(),
        }
    }

    /// Sets the gradient of `name`, returning the previous one.
    pub fn insert(&mut self, name: impl Into<String>, grad: Vec<T>) -> Option<Vec<T>> {
        self.entries.insert(name.into(), grad)
    }

    /// The gradient of `name`.
    pub fn get(&self, name: &str) -> Option<&[T]> {
        self.entries.get(name).map(Vec::as_slice)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The values of every leaf of `tree` (e.g. a typed gradient), by name.
    pub fn from_params<P: Params<Scalar = T> + ?Sized>(tree: &P) -> Result<Self> {
        let mut out = Self::new();
        for_each(tree, |leaf| {
            if out.insert(leaf.name, leaf.data.to_vec()).is_some() {
                return Err(Error::DuplicateName {
                    name: leaf.name.to_owned(),
                });
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Zeros shaped like every leaf of `params`.
    pub fn zeros_like<P: Params<Scalar = T> + ?Sized>(params: &P) -> Result<Self> {
        let mut out = Self::from_params(params)?;
        out.entries.values_mut().for_each(|v| v.fill(T::ZERO));
        Ok(out)
    }
}

/// A map is itself a parameter tree (entries in name order, each a flat
/// leaf), so clipping, norms and accumulation work on it.
impl<T: Float> Params for GradMap<T> {
    type Scalar = T;
    type Gradient = Self;

    fn visit(
        &self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(Leaf<'_, T>) -> Result<()>,
    ) -> Result<()> {
        for (name, data) in &self.entries {
            path.scope(name, |path| {
                f(Leaf {
                    name: path.name(),
                    shape: &[data.len()],
                    data,
                })
            })?;
        }
        Ok(())
    }

    fn visit_mut(
        &mut self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafMut<'_, T>) -> Result<()>,
    ) -> Result<()> {
        for (name, data) in &mut self.entries {
            let len = data.len();
            path.scope(name, |path| {
                f(LeafMut {
                    name: path.name(),
                    shape: &[len],
                    data,
                })
            })?;
        }
        Ok(())
    }

    fn visit_with_grad(
        &mut self,
        grad: &Self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafGrad<'_, T>) -> Result<()>,
    ) -> Result<()> {
        ByName(self).visit_with_grad(grad, path, f)
    }
}

/// Parameters whose gradient is a [`GradMap`], paired by name.
#[derive(Debug)]
pub struct ByName<'p, P: ?Sized>(pub &'p mut P);

impl<P: Params + ?Sized> Params for ByName<'_, P> {
    type Scalar = P::Scalar;
    type Gradient = GradMap<P::Scalar>;

    fn visit(
        &self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(Leaf<'_, P::Scalar>) -> Result<()>,
    ) -> Result<()> {
        self.0.visit(path, f)
    }

    fn visit_mut(
        &mut self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafMut<'_, P::Scalar>) -> Result<()>,
    ) -> Result<()> {
        self.0.visit_mut(path, f)
    }

    fn visit_with_grad(
        &mut self,
        grad: &GradMap<P::Scalar>,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafGrad<'_, P::Scalar>) -> Result<()>,
    ) -> Result<()> {
        let mut used = 0;
        self.0.visit_mut(path, &mut |leaf| {
            let g = grad.get(leaf.name).ok_or_else(|| Error::MissingGradient {
                name: leaf.name.to_owned(),
            })?;
            if g.len() != leaf.data.len() {
                return Err(Error::GradientShape {
                    name: leaf.name.to_owned(),
                    expected: leaf.data.len(),
                    found: g.len(),
                });
            }
            used += 1;
            f(LeafGrad {
                name: leaf.name,
                shape: leaf.shape,
                param: leaf.data,
                grad: g,
            })
        })?;
        if used != grad.len() {
            let mut known = std::collections::HashSet::new();
            self.0.visit(&mut path.clone(), &mut |leaf| {
                known.insert(leaf.name.to_owned());
                Ok(())
            })?;
            if let Some(name) = grad.entries.keys().find(|n| !known.contains(n.as_str())) {
                return Err(Error::UnexpectedGradient { name: name.clone() });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Adam, Optimizer};

    #[test]
    fn missing_extra_and_short_gradients_are_named_and_change_nothing() {
        let mut p = ([1.0_f64, 2.0], 3.0_f64);
        let mut opt = Adam::with_lr(0.1);
        let step = |opt: &mut Adam<f64>, p: &mut ([f64; 2], f64), entries: &[(&str, Vec<f64>)]| {
            let mut g = GradMap::new();
            for (n, v) in entries {
                g.insert(*n, v.clone());
            }
            opt.step(&mut ByName(p), &g)
        };
        let err = step(&mut opt, &mut p, &[("0", vec![1.0, 1.0])]).unwrap_err();
        assert!(
            matches!(&err, Error::MissingGradient { name } if name == "1"),
            "{err}"
        );
        let err = step(
            &mut opt,
            &mut p,
            &[("0", vec![1.0, 1.0]), ("1", vec![1.0]), ("2", vec![0.0])],
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::UnexpectedGradient { name } if name == "2"),
            "{err}"
        );
        let err = step(&mut opt, &mut p, &[("0", vec![1.0]), ("1", vec![1.0])]).unwrap_err();
        assert!(
            matches!(&err, Error::GradientShape { name, .. } if name == "0"),
            "{err}"
        );
        assert_eq!(p, ([1.0, 2.0], 3.0));
    }

    #[test]
    fn by_name_steps_like_the_typed_gradient() {
        let typed = ([0.3_f64, -0.2], 0.7_f64);
        let (mut a, mut b) = (([1.0_f64, 2.0], 3.0_f64), ([1.0_f64, 2.0], 3.0_f64));
        let (mut oa, mut ob) = (Adam::with_lr(0.1), Adam::with_lr(0.1));
        let map = GradMap::from_params(&typed).unwrap();
        for _ in 0..3 {
            oa.step(&mut a, &typed).unwrap();
            ob.step(&mut ByName(&mut b), &map).unwrap();
        }
        assert_eq!(a, b);
        assert_eq!(
            GradMap::zeros_like(&a).unwrap().get("0"),
            Some(&[0.0, 0.0][..])
        );
    }
}
