//! [`Differentiable`]: a user struct that can be a differentiable parameter.
//!
//! `#[derive(Differentiable)]` implements it for a struct whose fields are
//! floats, fixed arrays of floats or other `Differentiable` structs, all of
//! one float type. A `#[differentiable]` function taking such a struct
//! returns its gradient as a value of the same type: each field holds the
//! derivative with respect to that field, zero where the function does not
//! read it.
//!
//! # Why a trait, and what the macro sees
//!
//! An attribute macro sees only the item it is on, never the struct's
//! definition. So `#[differentiable]` does not need the struct's shape: it
//! reads the fields the body reads (`s.x`, `s.arm.l1`, `s.w[2]`), each as
//! one scalar input, and writes the gradient as [`Differentiable::zero`]
//! with those fields set. Whatever it cannot see (a whole struct passed to
//! another differentiable function) is accumulated by the generated code
//! through [`Differentiable::add_scaled`], which the derive writes field by
//! field. The generated code checks, through this trait, that the type is
//! marked and has the function's float type; rustc reports a missing derive
//! on the parameter's type, with the note below.

use crate::Float;

/// A value the code generator can differentiate with respect to: floats,
/// fixed arrays of them, and structs marked `#[derive(Differentiable)]`.
///
/// Floats and arrays implement it; a struct gets it from the derive (see
/// the `macrograd` crate docs for a struct parameter and a method):
///
/// ```
/// use macrograd_runtime::Differentiable;
///
/// let mut g: [f64; 2] = Differentiable::zero();
/// g.add_scaled(0.5, &[2.0, 4.0]);
/// assert_eq!(g, [1.0, 2.0]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a differentiable struct",
    label = "this parameter's type needs `#[derive(Differentiable)]`",
    note = "add `#[derive(Differentiable)]` to the definition of `{Self}` (its fields: floats, fixed arrays of floats, or other `Differentiable` structs), or mark the parameter `#[nograd]`; a trait object (`dyn Trait`) cannot be differentiated: put the method on the struct itself"
)]
pub trait Differentiable: Sized {
    /// The float type of every field.
    type Float: Float;
    /// Every field zero.
    fn zero() -> Self;
    /// `self += a · x`, field by field.
    fn add_scaled(&mut self, a: Self::Float, x: &Self);
    /// Calls `f` with every float of the value in declaration order: the
    /// fields as the struct lists them, an array's elements in turn, a
    /// nested struct's floats in its own order. The rows of a struct
    /// result's `name_jacobian` follow this order.
    fn for_each_float<V: FnMut(Self::Float)>(&self, f: &mut V);
    /// `Σ self.f · x.f` over every float: the tangent a call's gradient
    /// entry for a struct gives along a tangent of that struct.
    fn dot(&self, x: &Self) -> Self::Float;
    /// The number of floats [`Differentiable::for_each_float`] visits: the
    /// columns a struct parameter passed on to a call gives a
    /// `name_jacobian`.
    const FLOATS: usize;
    /// Calls `f` with each float of the value, mutably, in the order of
    /// [`Differentiable::for_each_float`] (the Jacobian's unit directions
    /// are built with it).
    fn for_each_float_mut<V: FnMut(&mut Self::Float)>(&mut self, f: &mut V);
}

macro_rules! float_differentiable {
    ($($t:ty),*) => {
        $(
            impl Differentiable for $t {
                type Float = $t;
                #[inline(always)]
                fn zero() -> Self {
                    0.0
                }
                #[inline(always)]
                fn add_scaled(&mut self, a: $t, x: &Self) {
                    *self += a * *x;
                }
                #[inline(always)]
                fn for_each_float<V: FnMut($t)>(&self, f: &mut V) {
                    f(*self);
                }
                #[inline(always)]
                fn dot(&self, x: &Self) -> $t {
                    *self * *x
                }
                const FLOATS: usize = 1;
                #[inline(always)]
                fn for_each_float_mut<V: FnMut(&mut $t)>(&mut self, f: &mut V) {
                    f(self);
                }
            }
        )*
    };
}

float_differentiable!(f32, f64);

impl<T: Differentiable, const N: usize> Differentiable for [T; N] {
    type Float = T::Float;
    #[inline(always)]
    fn zero() -> Self {
        core::array::from_fn(|_| T::zero())
    }
    #[inline(always)]
    fn add_scaled(&mut self, a: T::Float, x: &Self) {
        for (s, x) in self.iter_mut().zip(x) {
            s.add_scaled(a, x);
        }
    }
    #[inline(always)]
    fn for_each_float<V: FnMut(T::Float)>(&self, f: &mut V) {
        for s in self {
            s.for_each_float(f);
        }
    }
    #[inline(always)]
    fn dot(&self, x: &Self) -> T::Float {
        let mut sum = T::Float::default();
        for (s, x) in self.iter().zip(x) {
            sum += s.dot(x);
        }
        sum
    }
    const FLOATS: usize = N * T::FLOATS;
    #[inline(always)]
    fn for_each_float_mut<V: FnMut(&mut T::Float)>(&mut self, f: &mut V) {
        for s in self {
            s.for_each_float_mut(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Differentiable;

    #[test]
    fn arrays_zero_and_add_scaled_elementwise() {
        let mut a: [[f64; 2]; 2] = Differentiable::zero();
        assert_eq!(a, [[0.0; 2]; 2]);
        a.add_scaled(2.0, &[[1.0, 2.0], [3.0, 4.0]]);
        a.add_scaled(-1.0, &[[1.0, 0.0], [0.0, 1.0]]);
        assert_eq!(a, [[1.0, 4.0], [6.0, 7.0]]);
    }

    #[test]
    fn arrays_count_and_write_their_floats_in_order() {
        assert_eq!(<[[f64; 3]; 2] as Differentiable>::FLOATS, 6);
        assert_eq!(<f32 as Differentiable>::FLOATS, 1);
        let mut a = [[1.0_f64, 2.0], [3.0, 4.0]];
        let mut k = 0.0;
        a.for_each_float_mut(&mut |x| {
            k += 1.0;
            *x *= 10.0 * k;
        });
        assert_eq!(a, [[10.0, 40.0], [90.0, 160.0]]);
    }

    #[test]
    fn arrays_visit_their_floats_in_order() {
        let mut seen = Vec::new();
        [[1.0_f32, 2.0], [3.0, 4.0]].for_each_float(&mut |x| seen.push(x));
        assert_eq!(seen, [1.0, 2.0, 3.0, 4.0]);
    }
}
