//! Where a callee's VJP adds the gradient of a differentiable slice
//! parameter when a differentiable caller passes it a slice.

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

#[cfg(test)]
mod tests {
    use super::GradSink;

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
