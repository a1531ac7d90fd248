//! The check that a method or associated function called in a method with
//! `hessian` (or `hvp`) has a Hessian, as one error.

/// What a method's or associated function's hidden HVP
/// (`__f_hvp_pullback`) returns: its entries, one per parameter, wrapped
/// so that [`checked_hvp`] can tell it from a fallback's [`NoHessian`].
pub struct Hvp<T>(pub T);

/// What a method's fallback for a callee without `hessian` returns, which
/// [`checked_hvp`] rejects. A runtime type, so that the error is the same
/// in each of the caller's generated functions (`_hessian`, `_hvp`) and
/// rustc shows it once.
pub struct NoHessian;

/// What a method's or associated function's hidden HVP returns ([`Hvp`]);
/// a method's fallback for one without `hessian` returns [`NoHessian`]
/// instead, which has no implementation: the one error, on the call.
#[diagnostic::on_unimplemented(
    message = "this has no Hessian: a method or associated function called in a function with `hessian` (or `hvp`) must have `#[differentiable(hessian)]` too",
    label = "the second derivative of this call is its Hessian-vector product",
    note = "write `#[differentiable(hessian)]` on it in its `impl` block, or remove `hessian` from the caller"
)]
pub trait HvpPullback {
    /// The HVP's entries.
    type Output;
    /// The entries, unwrapped.
    fn result(self) -> Self::Output;
}

impl<T> HvpPullback for Hvp<T> {
    type Output = T;
    #[inline(always)]
    fn result(self) -> T {
        self.0
    }
}

/// A method's HVP entries, when it has an HVP (see [`HvpPullback`]).
#[inline(always)]
pub fn checked_hvp<T: HvpPullback>(hvp: T) -> T::Output {
    hvp.result()
}
