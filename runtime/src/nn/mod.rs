//! Layers for models declared with `model!`: storage and the per-sample
//! kernels the generated forward and backward passes call.
//!
//! Sizes are const generics, so a width mismatch is a type error and the
//! loops run over constant bounds the compiler can unroll and vectorise.
//! Weights live on the heap (one allocation per layer, made once), so large
//! layers do not overflow the stack.

pub mod gemm;

use gemm::{Gemm, Strides};

use crate::error::Result;
use crate::float::Float;
use crate::params::{Leaf, LeafGrad, LeafMut, ParamPath, Params};

/// A fully connected layer `y = W·x + b`, laid out as PyTorch's `nn.Linear`:
/// `weight` is `O` rows of `I`, `bias` has `O` entries.
#[derive(Clone, Debug, PartialEq)]
pub struct Linear<T, const I: usize, const O: usize> {
    /// `O × I`, row-major.
    pub weight: Box<[[T; I]; O]>,
    /// `O`.
    pub bias: Box<[T; O]>,
}

fn boxed<T: Clone, const N: usize>(value: T) -> Box<[T; N]> {
    match vec![value; N].into_boxed_slice().try_into() {
        Ok(b) => b,
        Err(_) => unreachable!("a vector of N elements converts to [T; N]"),
    }
}

impl<T: Float, const I: usize, const O: usize> Linear<T, I, O> {
    /// A layer with every weight and bias zero (also the empty gradient).
    pub fn zeros() -> Self {
        Linear {
            weight: boxed([T::ZERO; I]),
            bias: boxed(T::ZERO),
        }
    }

    /// `W·x + b` for one sample.
    #[inline]
    pub fn forward(&self, x: &[T; I]) -> [T; O] {
        let mut out = *self.bias;
        for (o, row) in self.weight.iter().enumerate() {
            let mut s = out[o];
            for i in 0..I {
                s += row[i] * x[i];
            }
            out[o] = s;
        }
        out
    }

    /// Adds this sample's contribution to the parameter gradient
    /// (`∂W += dy·xᵀ`, `∂b += dy`) and returns `∂x = Wᵀ·dy`.
    #[inline]
    pub fn backward(&self, x: &[T; I], dy: &[T; O], grad: &mut Self) -> [T; I] {
        let mut dx = [T::ZERO; I];
        let grads = grad.weight.iter_mut().zip(grad.bias.iter_mut());
        for ((&d, w), (gw, gb)) in dy.iter().zip(self.weight.iter()).zip(grads) {
            *gb += d;
            for i in 0..I {
                gw[i] += d * x[i];
                dx[i] += w[i] * d;
            }
        }
        dx
    }

    /// As [`Linear::backward`] when `∂x` is not needed (the first layer).
    #[inline]
    pub fn backward_params(&self, x: &[T; I], dy: &[T; O], grad: &mut Self) {
        let grads = grad.weight.iter_mut().zip(grad.bias.iter_mut());
        for (&d, (gw, gb)) in dy.iter().zip(grads) {
            *gb += d;
            for (g, &xi) in gw.iter_mut().zip(x) {
                *g += d * xi;
            }
        }
    }
}

impl<T: Gemm, const I: usize, const O: usize> Linear<T, I, O> {
    /// `out = x·Wᵀ + b` for a batch: `x` is `n × I` and `out` is `n × O`,
    /// both row-major, `n = x.len() / I`.
    ///
    /// # Panics
    ///
    /// If the slices do not hold whole rows of matching count.
    pub fn forward_batch(&self, x: &[T], out: &mut [T]) {
        let n = x.len() / I;
        assert!(
            x.len() == n * I && out.len() == n * O,
            "forward_batch: {} inputs and {} outputs for {I}→{O}",
            x.len(),
            out.len()
        );
        for row in out.chunks_exact_mut(O) {
            row.copy_from_slice(&self.bias[..]);
        }
        let w = self.weight.as_flattened();
        T::gemm_raw(
            n,
            I,
            O,
            T::ONE,
            x,
            Strides::row_major(I),
            w,
            Strides::transposed(I),
            T::ONE,
            out,
            Strides::row_major(O),
        );
    }

    /// The batch backward pass: `∂W ← dyᵀ·x` and `∂b ←` the column sums of
    /// `dy`, and, when `dx` is given, `dx ← dy·W`; each either overwrites
    /// its target or adds to it, as `Write` says.
    ///
    /// # Panics
    ///
    /// If the slices do not hold whole rows of matching count.
    pub fn backward_batch(
        &self,
        x: &[T],
        dy: &[T],
        grad: &mut Self,
        grad_write: Write,
        dx: Option<(&mut [T], Write)>,
    ) {
        let n = x.len() / I;
        assert!(
            x.len() == n * I && dy.len() == n * O,
            "backward_batch: {} inputs and {} output adjoints for {I}→{O}",
            x.len(),
            dy.len()
        );
        let gw = grad.weight.as_flattened_mut();
        let beta = grad_write.beta::<T>();
        T::gemm_raw(
            O,
            n,
            I,
            T::ONE,
            dy,
            Strides::transposed(O),
            x,
            Strides::row_major(I),
            beta,
            gw,
            Strides::row_major(I),
        );
        if grad_write == Write::Overwrite {
            grad.bias.fill(T::ZERO);
        }
        for row in dy.chunks_exact(O) {
            for (g, &d) in grad.bias.iter_mut().zip(row) {
                *g += d;
            }
        }
        if let Some((dx, write)) = dx {
            assert_eq!(
                dx.len(),
                n * I,
                "backward_batch: `dx` holds {} values, expected {}",
                dx.len(),
                n * I
            );
            let w = self.weight.as_flattened();
            T::gemm_raw(
                n,
                O,
                I,
                T::ONE,
                dy,
                Strides::row_major(O),
                w,
                Strides::row_major(I),
                write.beta::<T>(),
                dx,
                Strides::row_major(I),
            );
        }
    }
}

/// Whether a kernel replaces its output or adds to it (the second and later
/// contributions to one adjoint add).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Write {
    /// `out ← result`
    Overwrite,
    /// `out ← out + result`
    Accumulate,
}

impl Write {
    fn beta<T: Float>(self) -> T {
        match self {
            Write::Overwrite => T::ZERO,
            Write::Accumulate => T::ONE,
        }
    }
}

impl<T, const I: usize, const O: usize> Params for Linear<T, I, O>
where
    T: Float + Params<Scalar = T, Gradient = T>,
{
    type Scalar = T;
    type Gradient = Self;

    fn visit(
        &self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(Leaf<'_, T>) -> Result<()>,
    ) -> Result<()> {
        path.scope("weight", |path| (*self.weight).visit(path, f))?;
        path.scope("bias", |path| (*self.bias).visit(path, f))
    }

    fn visit_mut(
        &mut self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafMut<'_, T>) -> Result<()>,
    ) -> Result<()> {
        path.scope("weight", |path| (*self.weight).visit_mut(path, f))?;
        path.scope("bias", |path| (*self.bias).visit_mut(path, f))
    }

    fn visit_with_grad(
        &mut self,
        grad: &Self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafGrad<'_, T>) -> Result<()>,
    ) -> Result<()> {
        path.scope("weight", |path| {
            (*self.weight).visit_with_grad(&*grad.weight, path, f)
        })?;
        path.scope("bias", |path| {
            (*self.bias).visit_with_grad(&*grad.bias, path, f)
        })
    }
}

/// Sets every value to zero (to reuse a gradient buffer).
pub fn zero<P: Params + ?Sized>(params: &mut P) {
    crate::params::for_each_mut(params, |leaf| {
        leaf.data
            .iter_mut()
            .for_each(|v| *v = <P::Scalar as crate::ops::Real>::ZERO);
        Ok(())
    })
    .expect("the callback never fails");
}

/// Adds the L2 penalty `alpha·Σp²` over every parameter: returns its value
/// and adds its gradient `2·alpha·p` into `grad`.
pub fn add_l2_penalty<P>(params: &P, grad: &mut P, alpha: P::Scalar) -> P::Scalar
where
    P: Params<Gradient = P> + ?Sized,
{
    let zero = <P::Scalar as crate::ops::Real>::ZERO;
    let mut sum = zero;
    let two_alpha = alpha + alpha;
    // `grad` is visited mutably with `params` as its partner
    grad.visit_with_grad(params, &mut ParamPath::root(), &mut |leaf| {
        for (g, &p) in leaf.param.iter_mut().zip(leaf.grad) {
            sum += p * p;
            *g += two_alpha * p;
        }
        Ok(())
    })
    .expect("a value and its own type always match");
    alpha * sum
}
