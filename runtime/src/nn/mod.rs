//! Layers for models declared with `grad!`: storage and the per-sample
//! kernels the generated forward and backward passes call.
//!
//! Sizes are const generics, so a width mismatch is a type error and the
//! loops run over constant bounds the compiler can unroll and vectorise.
//! Weights live on the heap (one allocation per layer, made once), so large
//! layers do not overflow the stack.

pub mod gemm;

use gemm::{Gemm, Strides};

use crate::error::{Error, Result};
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
        // Row by row: contiguous weights; the out-of-order core overlaps the
        // rows' sums (an input-major order, tried, was slower at 16×16).
        let mut out = *self.bias;
        for (acc, row) in out.iter_mut().zip(self.weight.iter()) {
            let mut s = *acc;
            for (w, xi) in row.iter().zip(x) {
                s += *w * *xi;
            }
            *acc = s;
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
            // two simple loops rather than one: each vectorises on its own
            for (g, &xi) in gw.iter_mut().zip(x) {
                *g += d * xi;
            }
            for (dxi, &wi) in dx.iter_mut().zip(w) {
                *dxi += wi * d;
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

/// Adds the L2 penalty `alpha·Σp²` over every parameter: returns its value
/// and adds its gradient `2·alpha·p` into `grad`.
pub fn add_l2_penalty<P>(params: &P, grad: &mut P, alpha: P::Scalar) -> P::Scalar
where
    P: Params<Gradient = P> + ?Sized,
{
    let zero = <P::Scalar as crate::ops::Real>::ZERO;
    // four running sums, so the squares do not wait on one another
    let mut sums = [zero; 4];
    let two_alpha = alpha + alpha;
    // `grad` is visited mutably with `params` as its partner
    grad.visit_with_grad(params, &mut ParamPath::root(), &mut |leaf| {
        let mut gs = leaf.param.chunks_exact_mut(4);
        let mut ps = leaf.grad.chunks_exact(4);
        for (g, p) in (&mut gs).zip(&mut ps) {
            for k in 0..4 {
                sums[k] += p[k] * p[k];
                g[k] += two_alpha * p[k];
            }
        }
        for (g, &p) in gs.into_remainder().iter_mut().zip(ps.remainder()) {
            sums[0] += p * p;
            *g += two_alpha * p;
        }
        Ok(())
    })
    .expect("a value and its own type always match");
    alpha * ((sums[0] + sums[1]) + (sums[2] + sums[3]))
}

/// Checks a batch before a batch mean: [`Error::EmptyBatch`] if it has no
/// samples, [`Error::BatchLength`] if inputs and targets differ in count.
/// `grad!` networks call it first in every `batch_*` method, so none of them
/// returns the NaN of `0 / 0`.
pub fn check_batch(method: &'static str, inputs: usize, targets: usize) -> Result<()> {
    if inputs != targets {
        return Err(Error::BatchLength {
            method,
            inputs,
            targets,
        });
    }
    if inputs == 0 {
        return Err(Error::EmptyBatch { method });
    }
    Ok(())
}

/// The mean loss over a batch, and in `grad` (overwritten) the mean
/// gradient, from a per-sample `backward` that adds its sample's gradient
/// into a buffer.
///
/// With the crate feature `rayon` the batch is split across all cores, each
/// part summed into its own buffer (one allocation per part and call) and
/// the parts added in order; without it the samples run in order into
/// `grad`. Both give the serial result up to rounding. `grad!` networks
/// call this from `batch_backward_par`.
///
/// # Errors
///
/// As [`check_batch`]; `grad` is then unchanged.
pub fn par_batch_backward<P, X, Y, F>(
    model: &P,
    xs: &[X],
    ys: &[Y],
    grad: &mut P,
    backward: F,
) -> Result<P::Scalar>
where
    P: Params<Gradient = P> + Clone + Send + Sync,
    X: Copy + Sync,
    Y: Copy + Sync,
    F: Fn(&P, X, Y, &mut P) -> P::Scalar + Sync,
{
    check_batch("batch_backward_par", xs.len(), ys.len())?;
    crate::params::zero(grad);
    let zero_value = <P::Scalar as crate::ops::Real>::ZERO;
    #[cfg(feature = "rayon")]
    let total = {
        use rayon::prelude::*;
        let chunk = xs.len().div_ceil(rayon::current_num_threads()).max(1);
        let template = grad.clone();
        let parts: Vec<(P::Scalar, P)> = xs
            .par_chunks(chunk)
            .zip(ys.par_chunks(chunk))
            .map(|(xc, yc)| {
                let mut g = template.clone();
                let mut total = zero_value;
                for (x, y) in xc.iter().zip(yc) {
                    total += backward(model, *x, *y, &mut g);
                }
                (total, g)
            })
            .collect();
        let mut total = zero_value;
        for (t, g) in &parts {
            total += *t;
            crate::params::accumulate(grad, g).expect("a gradient has its own shape");
        }
        total
    };
    #[cfg(not(feature = "rayon"))]
    let total = {
        let mut total = zero_value;
        for (x, y) in xs.iter().zip(ys) {
            total += backward(model, *x, *y, grad);
        }
        total
    };
    let scale = <P::Scalar as crate::ops::Real>::ONE
        / <P::Scalar as crate::ops::Real>::from_f64(xs.len() as f64);
    crate::params::scale(grad, scale);
    Ok(total * scale)
}

/// `softmax(x)` of one row, written into `y`, with the maximum subtracted
/// first so large inputs do not overflow.
///
/// # Panics
///
/// If `x` and `y` differ in length or are empty.
pub fn softmax_row<T: Float>(x: &[T], y: &mut [T]) {
    assert!(
        x.len() == y.len() && !x.is_empty(),
        "softmax_row: {} inputs, {} outputs",
        x.len(),
        y.len()
    );
    let m = x.iter().copied().fold(x[0], Float::max);
    let mut sum = T::ZERO;
    for (o, &v) in y.iter_mut().zip(x) {
        *o = (v - m).exp();
        sum += *o;
    }
    for o in y.iter_mut() {
        *o = *o / sum;
    }
}

/// `log_softmax(x) = x − logsumexp(x)` of one row, written into `y`.
///
/// # Panics
///
/// If `x` and `y` differ in length or are empty.
pub fn log_softmax_row<T: Float>(x: &[T], y: &mut [T]) {
    assert!(
        x.len() == y.len() && !x.is_empty(),
        "log_softmax_row: {} inputs, {} outputs",
        x.len(),
        y.len()
    );
    let m = x.iter().copied().fold(x[0], Float::max);
    let sum = x.iter().fold(T::ZERO, |s, &v| s + (v - m).exp());
    let lse = m + sum.ln();
    for (o, &v) in y.iter_mut().zip(x) {
        *o = v - lse;
    }
}

/// The backward pass of [`softmax_row`] given its output `y` and the
/// adjoint `dy`: `dx = y ⊙ (dy − Σ dy ⊙ y)`, overwriting or adding to `dx`.
pub fn softmax_row_backward<T: Float>(y: &[T], dy: &[T], dx: &mut [T], write: Write) {
    let dot = y.iter().zip(dy).fold(T::ZERO, |s, (&a, &b)| s + a * b);
    for ((o, &a), &b) in dx.iter_mut().zip(y).zip(dy) {
        let v = a * (b - dot);
        *o = if write == Write::Overwrite { v } else { *o + v };
    }
}

/// The backward pass of [`log_softmax_row`] given its output `y` and the
/// adjoint `dy`: `dx = dy − softmax(x)·Σ dy`, with `softmax(x) = exp(y)`.
pub fn log_softmax_row_backward<T: Float>(y: &[T], dy: &[T], dx: &mut [T], write: Write) {
    let sum = dy.iter().fold(T::ZERO, |s, &b| s + b);
    for ((o, &a), &b) in dx.iter_mut().zip(y).zip(dy) {
        let v = b - a.exp() * sum;
        *o = if write == Write::Overwrite { v } else { *o + v };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn central<const N: usize>(f: impl Fn(&[f64; N]) -> f64, x: [f64; N], i: usize) -> f64 {
        let (mut up, mut down) = (x, x);
        up[i] += 1e-6;
        down[i] -= 1e-6;
        (f(&up) - f(&down)) / 2e-6
    }

    #[test]
    fn softmax_backward_matches_central_differences() {
        let x = [0.3, -1.2, 2.0, 0.5];
        let dy = [0.7, -0.1, 0.4, 1.5];
        let mut y = [0.0; 4];
        softmax_row(&x, &mut y);
        let mut dx = [0.0; 4];
        softmax_row_backward(&y, &dy, &mut dx, Write::Overwrite);
        let f = |x: &[f64; 4]| {
            let mut y = [0.0; 4];
            softmax_row(x, &mut y);
            y.iter().zip(&dy).map(|(a, b)| a * b).sum::<f64>()
        };
        for (i, d) in dx.iter().enumerate() {
            assert!((central(f, x, i) - d).abs() < 1e-8);
        }
    }

    #[test]
    fn log_softmax_backward_matches_central_differences_and_accumulates() {
        let x = [1000.0, 999.0, -3.0];
        let dy = [0.2, -0.9, 0.4];
        let mut y = [0.0; 3];
        log_softmax_row(&x, &mut y);
        assert!(
            y.iter().all(|v| v.is_finite()),
            "no overflow for large inputs"
        );
        let mut dx = [1.0; 3];
        log_softmax_row_backward(&y, &dy, &mut dx, Write::Accumulate);
        let f = |x: &[f64; 3]| {
            let mut y = [0.0; 3];
            log_softmax_row(x, &mut y);
            y.iter().zip(&dy).map(|(a, b)| a * b).sum::<f64>()
        };
        for (i, d) in dx.iter().enumerate() {
            assert!((central(f, x, i) + 1.0 - d).abs() < 1e-6);
        }
    }

    #[test]
    fn batch_kernels_agree_with_per_sample_ones() {
        let mut layer = Linear::<f64, 3, 2>::zeros();
        *layer.weight = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]];
        *layer.bias = [0.1, -0.2];
        let xs = [[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]];
        let dys = [[0.3, -0.7], [1.1, 0.4]];
        let mut out = [0.0; 4];
        layer.forward_batch(xs.as_flattened(), &mut out);
        let mut g1 = Linear::zeros();
        let mut dx1 = [0.0; 6];
        layer.backward_batch(
            xs.as_flattened(),
            dys.as_flattened(),
            &mut g1,
            Write::Overwrite,
            Some((&mut dx1, Write::Overwrite)),
        );
        let mut g2 = Linear::zeros();
        for (r, (x, dy)) in xs.iter().zip(&dys).enumerate() {
            let y = layer.forward(x);
            assert!((y[0] - out[2 * r]).abs() < 1e-15 && (y[1] - out[2 * r + 1]).abs() < 1e-15);
            let dx = layer.backward(x, dy, &mut g2);
            for i in 0..3 {
                assert!((dx[i] - dx1[3 * r + i]).abs() < 1e-15);
            }
        }
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-15);
        assert!(close(g1.weight.as_flattened(), g2.weight.as_flattened()));
        assert!(close(&g1.bias[..], &g2.bias[..]));
    }
}
