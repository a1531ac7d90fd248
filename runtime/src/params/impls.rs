//! [`Params`] for the built-in types: `f32`, `f64`, arrays (of any
//! nesting), `Vec`, `Box` and tuples up to eight entries.

use super::{check_len, Leaf, LeafGrad, LeafMut, ParamPath, Params};
use crate::error::Result;

macro_rules! impl_scalar {
    ($t:ty) => {
        /// A single number is a leaf of shape `[]`; an array of them is one leaf.
        impl Params for $t {
            type Scalar = $t;
            type Gradient = $t;

            fn visit(
                &self,
                path: &mut ParamPath,
                f: &mut dyn FnMut(Leaf<'_, $t>) -> Result<()>,
            ) -> Result<()> {
                Self::visit_slice(core::slice::from_ref(self), &[], path, f)
            }

            fn visit_mut(
                &mut self,
                path: &mut ParamPath,
                f: &mut dyn FnMut(LeafMut<'_, $t>) -> Result<()>,
            ) -> Result<()> {
                Self::visit_slice_mut(core::slice::from_mut(self), &[], path, f)
            }

            fn visit_with_grad(
                &mut self,
                grad: &$t,
                path: &mut ParamPath,
                f: &mut dyn FnMut(LeafGrad<'_, $t>) -> Result<()>,
            ) -> Result<()> {
                Self::visit_slice_with_grad(
                    core::slice::from_mut(self),
                    core::slice::from_ref(grad),
                    &[],
                    path,
                    f,
                )
            }

            fn visit_slice(
                items: &[Self],
                shape: &[usize],
                path: &mut ParamPath,
                f: &mut dyn FnMut(Leaf<'_, $t>) -> Result<()>,
            ) -> Result<()> {
                f(Leaf {
                    name: path.name(),
                    shape,
                    data: items,
                })
            }

            fn visit_slice_mut(
                items: &mut [Self],
                shape: &[usize],
                path: &mut ParamPath,
                f: &mut dyn FnMut(LeafMut<'_, $t>) -> Result<()>,
            ) -> Result<()> {
                f(LeafMut {
                    name: path.name(),
                    shape,
                    data: items,
                })
            }

            fn visit_slice_with_grad(
                items: &mut [Self],
                grads: &[$t],
                shape: &[usize],
                path: &mut ParamPath,
                f: &mut dyn FnMut(LeafGrad<'_, $t>) -> Result<()>,
            ) -> Result<()> {
                check_len(path, items.len(), grads.len())?;
                f(LeafGrad {
                    name: path.name(),
                    shape,
                    param: items,
                    grad: grads,
                })
            }
        }
    };
}
impl_scalar!(f32);
impl_scalar!(f64);

/// An array is visited through its element type: arrays of scalars (at any
/// nesting depth) become one leaf with a shape, arrays of structs are
/// visited element by element under their index.
impl<P: Params, const N: usize> Params for [P; N] {
    type Scalar = P::Scalar;
    type Gradient = [P::Gradient; N];

    fn visit(
        &self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(Leaf<'_, P::Scalar>) -> Result<()>,
    ) -> Result<()> {
        P::visit_slice(self, &[N], path, f)
    }

    fn visit_mut(
        &mut self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafMut<'_, P::Scalar>) -> Result<()>,
    ) -> Result<()> {
        P::visit_slice_mut(self, &[N], path, f)
    }

    fn visit_with_grad(
        &mut self,
        grad: &Self::Gradient,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafGrad<'_, P::Scalar>) -> Result<()>,
    ) -> Result<()> {
        P::visit_slice_with_grad(self, grad, &[N], path, f)
    }

    fn visit_slice(
        items: &[Self],
        shape: &[usize],
        path: &mut ParamPath,
        f: &mut dyn FnMut(Leaf<'_, P::Scalar>) -> Result<()>,
    ) -> Result<()> {
        P::visit_slice(items.as_flattened(), &push_dim(shape, N), path, f)
    }

    fn visit_slice_mut(
        items: &mut [Self],
        shape: &[usize],
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafMut<'_, P::Scalar>) -> Result<()>,
    ) -> Result<()> {
        P::visit_slice_mut(items.as_flattened_mut(), &push_dim(shape, N), path, f)
    }

    fn visit_slice_with_grad(
        items: &mut [Self],
        grads: &[Self::Gradient],
        shape: &[usize],
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafGrad<'_, P::Scalar>) -> Result<()>,
    ) -> Result<()> {
        let shape = push_dim(shape, N);
        P::visit_slice_with_grad(
            items.as_flattened_mut(),
            grads.as_flattened(),
            &shape,
            path,
            f,
        )
    }
}

fn push_dim(shape: &[usize], n: usize) -> Shape {
    let mut out = Shape {
        small: [0; SMALL],
        len: shape.len() + 1,
        big: Vec::new(),
    };
    if out.len <= SMALL {
        out.small[..shape.len()].copy_from_slice(shape);
        out.small[shape.len()] = n;
    } else {
        out.big.extend_from_slice(shape);
        out.big.push(n);
    }
    out
}

/// Dimensions held on the stack up to this depth (visits run every
/// optimizer step, so they should not allocate).
const SMALL: usize = 6;

/// A shape with one more dimension, on the stack when it is small.
struct Shape {
    small: [usize; SMALL],
    len: usize,
    big: Vec<usize>,
}

impl std::ops::Deref for Shape {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        if self.len <= SMALL {
            &self.small[..self.len]
        } else {
            &self.big
        }
    }
}

/// A `Vec` is visited like an array of its length; its gradient must be a
/// `Vec` of the same length, or the step fails with [`Error::GradientShape`](crate::Error::GradientShape).
impl<P: Params> Params for Vec<P> {
    type Scalar = P::Scalar;
    type Gradient = Vec<P::Gradient>;

    fn visit(
        &self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(Leaf<'_, P::Scalar>) -> Result<()>,
    ) -> Result<()> {
        P::visit_slice(self, &[self.len()], path, f)
    }

    fn visit_mut(
        &mut self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafMut<'_, P::Scalar>) -> Result<()>,
    ) -> Result<()> {
        let n = self.len();
        P::visit_slice_mut(self, &[n], path, f)
    }

    fn visit_with_grad(
        &mut self,
        grad: &Self::Gradient,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafGrad<'_, P::Scalar>) -> Result<()>,
    ) -> Result<()> {
        check_len(path, self.len(), grad.len())?;
        let n = self.len();
        P::visit_slice_with_grad(self, grad, &[n], path, f)
    }
}

/// A box is transparent: same names, same leaves (large layers live on the heap).
impl<P: Params> Params for Box<P> {
    type Scalar = P::Scalar;
    type Gradient = Box<P::Gradient>;

    fn visit(
        &self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(Leaf<'_, P::Scalar>) -> Result<()>,
    ) -> Result<()> {
        (**self).visit(path, f)
    }

    fn visit_mut(
        &mut self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafMut<'_, P::Scalar>) -> Result<()>,
    ) -> Result<()> {
        (**self).visit_mut(path, f)
    }

    fn visit_with_grad(
        &mut self,
        grad: &Self::Gradient,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafGrad<'_, P::Scalar>) -> Result<()>,
    ) -> Result<()> {
        (**self).visit_with_grad(grad, path, f)
    }
}

macro_rules! impl_tuple {
    ($(($idx:tt, $name:literal, $T:ident)),+) => {
        /// Tuple entries are named by position: `0`, `1`, ...; the gradient
        /// is the tuple of the entries' gradients (what `*_grad` returns).
        impl<A: Params, $($T: Params<Scalar = A::Scalar>),+> Params for (A, $($T),+) {
            type Scalar = A::Scalar;
            type Gradient = (A::Gradient, $($T::Gradient),+);

            fn visit(&self, path: &mut ParamPath, f: &mut dyn FnMut(Leaf<'_, A::Scalar>) -> Result<()>) -> Result<()> {
                path.scope("0", |path| self.0.visit(path, f))?;
                $(path.scope($name, |path| self.$idx.visit(path, f))?;)+
                Ok(())
            }

            fn visit_mut(&mut self, path: &mut ParamPath, f: &mut dyn FnMut(LeafMut<'_, A::Scalar>) -> Result<()>) -> Result<()> {
                path.scope("0", |path| self.0.visit_mut(path, f))?;
                $(path.scope($name, |path| self.$idx.visit_mut(path, f))?;)+
                Ok(())
            }

            fn visit_with_grad(
                &mut self,
                grad: &Self::Gradient,
                path: &mut ParamPath,
                f: &mut dyn FnMut(LeafGrad<'_, A::Scalar>) -> Result<()>,
            ) -> Result<()> {
                path.scope("0", |path| self.0.visit_with_grad(&grad.0, path, f))?;
                $(path.scope($name, |path| self.$idx.visit_with_grad(&grad.$idx, path, f))?;)+
                Ok(())
            }
        }
    };
}
impl_tuple!((1, "1", B));
impl_tuple!((1, "1", B), (2, "2", C));
impl_tuple!((1, "1", B), (2, "2", C), (3, "3", D));
impl_tuple!((1, "1", B), (2, "2", C), (3, "3", D), (4, "4", E));
impl_tuple!(
    (1, "1", B),
    (2, "2", C),
    (3, "3", D),
    (4, "4", E),
    (5, "5", F)
);
impl_tuple!(
    (1, "1", B),
    (2, "2", C),
    (3, "3", D),
    (4, "4", E),
    (5, "5", F),
    (6, "6", G)
);
impl_tuple!(
    (1, "1", B),
    (2, "2", C),
    (3, "3", D),
    (4, "4", E),
    (5, "5", F),
    (6, "6", G),
    (7, "7", H)
);
