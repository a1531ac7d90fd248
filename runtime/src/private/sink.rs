//! Where a callee's VJP adds the gradient of a differentiable slice
//! parameter when a differentiable caller passes it a slice, where its
//! JVP reads the slice's tangent, and how its `hvp_into` adds the tangent
//! of that gradient into the caller's H·v buffer.

/// The gradient buffer a caller hands to a callee's hidden `vjp_into` for
/// one differentiable slice parameter of the callee: the caller's own
/// gradient buffer (`&mut [E]`, added into), or `()` when the caller
/// passed a slice it does not differentiate (`#[nograd]` data), whose
/// gradient goes into a scratch buffer the callee drops.
#[diagnostic::on_unimplemented(
    message = "this slice is passed to a differentiable slice parameter, but its gradient has nowhere to go",
    label = "a differentiable slice argument",
    note = "pass the slice parameter itself (`f(xs)`), or mark it `#[nograd]`"
)]
pub trait GradSink<E> {
    /// The buffer to add into, of length `len`; `scratch` holds a buffer
    /// when there is none (allocated here, `len` elements).
    fn buffer<'b>(&'b mut self, scratch: &'b mut Vec<E>, len: usize) -> &'b mut [E];
}

impl<E> GradSink<E> for &mut [E] {
    #[inline(always)]
    fn buffer<'b>(&'b mut self, _: &'b mut Vec<E>, _: usize) -> &'b mut [E] {
        self
    }
}

impl<E: crate::Differentiable> GradSink<E> for () {
    #[inline]
    fn buffer<'b>(&'b mut self, scratch: &'b mut Vec<E>, len: usize) -> &'b mut [E] {
        scratch.clear();
        scratch.resize_with(len, E::zero);
        scratch
    }
}

/// The tangent a caller hands to a callee's hidden `jvp` for one
/// differentiable slice parameter of the callee: the caller's own
/// direction (`&[E]`, of the slice's length), or `()` when the caller
/// passed a slice it does not differentiate (`#[nograd]` data), whose
/// tangent is zero (a scratch buffer of zeros the callee drops).
#[diagnostic::on_unimplemented(
    message = "this slice is passed to a differentiable slice parameter, but it has no tangent",
    label = "a differentiable slice argument",
    note = "pass the slice parameter itself (`f(xs)`), or mark it `#[nograd]`"
)]
pub trait SliceTangent<E> {
    /// The tangent, of length `len`; `scratch` holds zeros when there is
    /// none (allocated here, `len` elements).
    fn tangent<'b>(&'b self, scratch: &'b mut Vec<E>, len: usize) -> &'b [E];
}

impl<E> SliceTangent<E> for &[E] {
    #[inline(always)]
    fn tangent<'b>(&'b self, _: &'b mut Vec<E>, _: usize) -> &'b [E] {
        self
    }
}

impl<E: crate::Differentiable> SliceTangent<E> for () {
    #[inline]
    fn tangent<'b>(&'b self, scratch: &'b mut Vec<E>, len: usize) -> &'b [E] {
        scratch.clear();
        scratch.resize_with(len, E::zero);
        scratch
    }
}

/// `u̇·g + u·h` for the gradient entry `g` and H·v entry `h` of a
/// callee's float or array of floats (or a slice's element): the tangent
/// of the entry `u·g` a caller's reverse sweep gets from the callee, `u`
/// the cotangent of the call's value and `u̇` its tangent (see
/// [`add_hv_slice`]). Bounded on [`crate::Float`] alone, so that a body
/// generic over `T: Float` needs nothing more.
pub trait HvCombine<F>: Sized {
    /// `u̇·g + u·h`.
    fn combine(cotangent: F, cotangent_tangent: F, gradient: &Self, hv: &Self) -> Self;
    /// `self += u̇·g + u·h`.
    fn add_combined(&mut self, cotangent: F, cotangent_tangent: F, gradient: &Self, hv: &Self);
}

impl<F: crate::Float> HvCombine<F> for F {
    #[inline(always)]
    fn combine(u: F, du: F, g: &Self, h: &Self) -> Self {
        du * *g + u * *h
    }
    #[inline(always)]
    fn add_combined(&mut self, u: F, du: F, g: &Self, h: &Self) {
        *self += du * *g + u * *h;
    }
}

impl<F: crate::Float, E: HvCombine<F>, const N: usize> HvCombine<F> for [E; N] {
    #[inline]
    fn combine(u: F, du: F, g: &Self, h: &Self) -> Self {
        core::array::from_fn(|i| E::combine(u, du, &g[i], &h[i]))
    }
    #[inline]
    fn add_combined(&mut self, u: F, du: F, g: &Self, h: &Self) {
        for ((s, g), h) in self.iter_mut().zip(g).zip(h) {
            s.add_combined(u, du, g, h);
        }
    }
}

/// `sink += u̇·g + u·h` element by element: what a callee's hidden
/// `hvp_into` adds into a caller's H·v buffer for a slice the caller
/// passed on, from the callee's gradient `g` and H·v `h` of that slice,
/// with `u` the cotangent of the call's value and `u̇` its tangent (the
/// tangent of `u·g` along the caller's direction).
#[inline]
pub fn add_hv_slice<F, E: HvCombine<F>>(
    sink: &mut [E],
    cotangent: F,
    cotangent_tangent: F,
    gradient: &[E],
    hv: &[E],
) where
    F: Copy,
{
    for ((s, g), h) in sink.iter_mut().zip(gradient).zip(hv) {
        s.add_combined(cotangent, cotangent_tangent, g, h);
    }
}

/// [`HvCombine::combine`] for a differentiable struct's entry.
pub fn hv_entry<E: crate::Differentiable>(
    cotangent: E::Float,
    cotangent_tangent: E::Float,
    gradient: &E,
    hv: &E,
) -> E {
    let mut e = E::zero();
    e.add_scaled(cotangent_tangent, gradient);
    e.add_scaled(cotangent, hv);
    e
}

/// What a caller with `hvp` needs of a helper `f` it passes a
/// differentiable slice to: `f::hvp_into`, the tangent of the helper's
/// `vjp_into`, which `#[differentiable(hvp)]` on `f` writes as an
/// inherent associated function (found first). Without it, the call's one
/// error is this message.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is passed a differentiable slice in a function with `hvp`, but `{Self}` has no second derivatives",
    label = "the second derivative of this call is `{Self}`'s Hessian-vector product, `{Self}_hvp`",
    note = "write `#[differentiable(hvp)]` on `fn {Self}`, which adds `{Self}_hvp`; or remove `hvp` from the calling function"
)]
pub trait CalleeHvpInto {
    /// Never called: no type implements this trait.
    fn never<O>() -> O;
}

/// The `hvp_into` of a helper over a differentiable slice without
/// `#[differentiable(hvp)]`, called in a function with `hvp` (see
/// [`CalleeHvpInto`]); generated code brings it into scope.
pub trait MissingCalleeHvpInto {
    /// Uncallable: `Self: CalleeHvpInto` never holds.
    fn hvp_into<A, C, T, D, S, O>(
        _arguments: A,
        _cotangent: C,
        _tangents: T,
        _cotangent_tangent: D,
        _sinks: S,
    ) -> O
    where
        Self: CalleeHvpInto,
    {
        <Self as CalleeHvpInto>::never()
    }
}

impl<T> MissingCalleeHvpInto for T {}

#[cfg(test)]
mod tests {
    use super::{add_hv_slice, hv_entry, GradSink, HvCombine, SliceTangent};

    #[test]
    fn a_direction_is_itself_and_unit_is_zeros() {
        let t = [1.5_f64, -2.0];
        let mut scratch = vec![9.0];
        assert_eq!((&t[..]).tangent(&mut scratch, 2), [1.5, -2.0]);
        assert_eq!(().tangent(&mut scratch, 3), [0.0; 3]);
    }

    #[test]
    fn a_buffer_is_itself_and_unit_is_scratch_of_zeros() {
        let mut d = vec![1.0_f64, 2.0];
        let mut sink: &mut [f64] = &mut d;
        let mut scratch = Vec::new();
        sink.buffer(&mut scratch, 2)[1] += 3.0;
        assert_eq!(d, [1.0, 5.0]);
        // a scratch buffer left over from before is zeroed
        let mut rows = vec![[7.0_f32; 2]];
        let mut unit = ();
        let b: &mut [[f32; 2]] = unit.buffer(&mut rows, 3);
        assert_eq!(b, [[0.0; 2]; 3]);
    }

    #[test]
    fn the_tangent_of_a_scaled_gradient_adds_both_terms() {
        // d/dt [(u + t·u̇)·(g + t·h)] at t = 0 is u̇·g + u·h
        let mut sink = vec![1.0_f64, 0.0];
        add_hv_slice(&mut sink, 2.0, 0.5, &[4.0, -2.0], &[1.0, 3.0]);
        assert_eq!(sink, [1.0 + 0.5 * 4.0 + 2.0 * 1.0, 0.5 * -2.0 + 2.0 * 3.0]);
        let rows = [[1.0_f32, 2.0]];
        let mut sink = vec![[0.0_f32; 2]];
        add_hv_slice(&mut sink, 1.0, -1.0, &rows, &[[3.0, 3.0]]);
        assert_eq!(sink, [[2.0, 1.0]]);
        assert_eq!(hv_entry(3.0_f64, 2.0, &[1.0, 0.0], &[0.0, 1.0]), [2.0, 3.0]);
        assert_eq!(
            HvCombine::combine(3.0_f64, 2.0, &[1.0, 0.0], &[0.0, 1.0]),
            [2.0, 3.0]
        );
    }
}
