//! Where a callee's VJP adds the gradient of a differentiable slice
//! parameter when a differentiable caller passes it a slice, and where
//! its JVP reads the slice's tangent.

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

#[cfg(test)]
mod tests {
    use super::{GradSink, SliceTangent};

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
}
