//! Small visitors: what most callers need without writing a closure.

use super::{Leaf, LeafGrad, LeafMut, ParamPath, Params};
use crate::error::{Error, Result};
use crate::float::Float;

/// Calls `f` on every leaf of `params`, starting at the root.
pub fn for_each<P: Params + ?Sized>(
    params: &P,
    mut f: impl FnMut(Leaf<'_, P::Scalar>) -> Result<()>,
) -> Result<()> {
    params.visit(&mut ParamPath::root(), &mut f)
}

/// Calls `f` on every leaf of `params` with write access, starting at the root.
pub fn for_each_mut<P: Params + ?Sized>(
    params: &mut P,
    mut f: impl FnMut(LeafMut<'_, P::Scalar>) -> Result<()>,
) -> Result<()> {
    params.visit_mut(&mut ParamPath::root(), &mut f)
}

/// Calls `f` on every parameter leaf paired with its gradient.
pub fn for_each_with_grad<P: Params + ?Sized>(
    params: &mut P,
    grad: &P::Gradient,
    mut f: impl FnMut(LeafGrad<'_, P::Scalar>) -> Result<()>,
) -> Result<()> {
    params.visit_with_grad(grad, &mut ParamPath::root(), &mut f)
}

/// Total number of scalar parameters.
pub fn count<P: Params + ?Sized>(params: &P) -> usize {
    let mut n = 0;
    // The callback never fails, so neither does the visit.
    let _ = for_each(params, |leaf| {
        n += leaf.data.len();
        Ok(())
    });
    n
}

/// The leaves' names in visit order; [`Error::DuplicateName`] if two collide.
pub fn names<P: Params + ?Sized>(params: &P) -> Result<Vec<String>> {
    Ok(shapes(params)?.into_iter().map(|(name, _)| name).collect())
}

/// `(name, shape)` of every leaf in visit order; [`Error::DuplicateName`] if
/// two names collide.
pub fn shapes<P: Params + ?Sized>(params: &P) -> Result<Vec<(String, Vec<usize>)>> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for_each(params, |leaf| {
        if !seen.insert(leaf.name.to_owned()) {
            return Err(Error::DuplicateName {
                name: leaf.name.to_owned(),
            });
        }
        out.push((leaf.name.to_owned(), leaf.shape.to_vec()));
        Ok(())
    })?;
    Ok(out)
}

/// All values, leaf after leaf, in visit order.
pub fn flatten<P: Params + ?Sized>(params: &P) -> Vec<P::Scalar> {
    let mut out = Vec::new();
    let _ = for_each(params, |leaf| {
        out.extend_from_slice(leaf.data);
        Ok(())
    });
    out
}

/// Overwrites all values from `values` (the layout of [`flatten`]);
/// [`Error::Data`] if the length differs from [`count`], in which case nothing
/// is written.
pub fn unflatten<P: Params + ?Sized>(params: &mut P, values: &[P::Scalar]) -> Result<()> {
    let n = count(params);
    if n != values.len() {
        return Err(Error::Data(format!(
            "{} values given for {n} parameters",
            values.len()
        )));
    }
    let mut at = 0;
    for_each_mut(params, |leaf| {
        let len = leaf.data.len();
        leaf.data.copy_from_slice(&values[at..at + len]);
        at += len;
        Ok(())
    })
}

/// Euclidean norm of all values together (the "global norm" of a gradient),
/// accumulated in `f64`.
pub fn l2_norm<P: Params + ?Sized>(params: &P) -> f64 {
    let mut sum = 0.0;
    let _ = for_each(params, |leaf| {
        sum += leaf
            .data
            .iter()
            .map(|x| x.to_f64() * x.to_f64())
            .sum::<f64>();
        Ok(())
    });
    sum.sqrt()
}

/// The name of the first leaf holding a NaN or infinity, if any.
pub fn first_non_finite<P: Params + ?Sized>(params: &P) -> Option<String> {
    let mut bad = None;
    let _ = for_each(params, |leaf| {
        if leaf.data.iter().any(|x| !x.is_finite()) {
            bad = Some(leaf.name.to_owned());
            // Stop the walk early: this "error" never leaves the function.
            return Err(Error::Data(String::new()));
        }
        Ok(())
    });
    bad
}

/// `acc += g`, leaf by leaf (summing gradients over micro-batches).
pub fn accumulate<G>(acc: &mut G, g: &G) -> Result<()>
where
    G: Params<Gradient = G>,
{
    for_each_with_grad(acc, g, |leaf| {
        for (a, &x) in leaf.param.iter_mut().zip(leaf.grad) {
            *a += x;
        }
        Ok(())
    })
}

/// Sets every value to zero (to reuse a gradient buffer).
pub fn zero<P: Params + ?Sized>(params: &mut P) {
    for_each_mut(params, |leaf| {
        leaf.data
            .iter_mut()
            .for_each(|v| *v = <P::Scalar as crate::ops::Real>::ZERO);
        Ok(())
    })
    .expect("the callback never fails");
}

/// `g *= factor` for every value (e.g. dividing a summed gradient by the batch count).
pub fn scale<G: Params + ?Sized>(g: &mut G, factor: G::Scalar) {
    let _ = for_each_mut(g, |leaf| {
        for x in leaf.data.iter_mut() {
            *x *= factor;
        }
        Ok(())
    });
}
