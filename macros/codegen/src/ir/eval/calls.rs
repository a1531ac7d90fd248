//! Calls of other functions, whose bodies a graph does not hold: what the
//! interpreter asks for their results.

use super::EvalError;
use crate::ir::{Call, CallArg, CallSweep, NodeId};
use crate::types::Seg;

/// What the interpreter asks for a call of another function, whose body
/// the graph does not hold.
pub trait Callees<T> {
    /// The results of `c` in [`Call::results`] order (its value, its further
    /// elements, then its partials), given the values of [`Call::reads`] (its
    /// arguments' elements, then the cotangents or tangents of its sweep).
    fn call(&self, c: &Call, reads: &[T]) -> Result<Vec<T>, EvalError>;

    /// Every float of the struct type named `ty` (the last segment of its
    /// path: `S` for `crate::S`), by path (`.p`, `.v[1]`, `.inner.a`), in
    /// declaration order, nested structs and arrays flattened in place.
    /// The interpreter needs it to pass a struct whole to a call; `None`
    /// (the default): unknown, and such a call is an
    /// [`EvalError::OpaqueCall`].
    fn layout(&self, _ty: &str) -> Option<Vec<Vec<Seg>>> {
        None
    }

    /// A call with struct arguments ([`CallArg::Struct`](crate::ir::CallArg::Struct)):
    /// `structs` holds each one's value, in argument order, every float of
    /// its type in [`Callees::layout`] order (`reads` as in
    /// [`Callees::call`]). Returns the results in [`Call::results`] order
    /// (the partials of the floats a struct literal writes included) and,
    /// when `entries` is set, each struct argument's gradient entry in the
    /// same layout: the callee's gradient with respect to that argument
    /// (for a [`CallSweep::Vjp`](crate::ir::CallSweep::Vjp) call, the
    /// VJP's, scaled by the cotangents). The default: an
    /// [`EvalError::OpaqueCall`].
    fn call_structs(
        &self,
        c: &Call,
        _reads: &[T],
        _structs: &[Vec<T>],
        _entries: bool,
    ) -> Result<(Vec<T>, Vec<Vec<T>>), EvalError> {
        Err(EvalError::OpaqueCall(c.path.join("::")))
    }

    /// A call passing local buffers whole ([`CallArg::Local`]): `bufs`
    /// holds each one's elements as they are when the call runs, in
    /// argument order, with, for a [`CallSweep::Jvp`] call, its tangent
    /// (its sink's elements; `None`: zero). Returns the results in
    /// [`Call::results`] order and, for a [`CallSweep::Vjp`] call, each
    /// buffer's gradient (the VJP's, scaled by the cotangents), which the
    /// interpreter adds into the buffer's sink (its adjoint buffer). The
    /// default: an [`EvalError::OpaqueCall`].
    #[allow(clippy::type_complexity)]
    fn call_buffers(
        &self,
        c: &Call,
        _reads: &[T],
        _bufs: &[(Vec<T>, Option<Vec<T>>)],
    ) -> Result<(Vec<T>, Vec<Vec<T>>), EvalError> {
        Err(EvalError::OpaqueCall(c.path.join("::")))
    }
}

/// A call passing local buffers whole: asks [`Callees::call_buffers`]
/// with the buffers' elements now (the call reads them whole when it
/// runs), and adds a VJP's gradients into the buffers' sinks.
pub(super) fn call_buffers<T: super::Scalar>(
    c: &Call,
    reads: &[T],
    st: &mut super::State<'_, T>,
) -> Result<Vec<T>, EvalError> {
    let vjp = matches!(c.sweep, CallSweep::Vjp(_));
    let elems = |st: &super::State<'_, T>, b: NodeId| -> Vec<T> {
        st.bufs
            .get(&b)
            .cloned()
            .unwrap_or_else(|| panic!("buffer {b:?} used before it is created"))
    };
    let mut bufs = Vec::new();
    let mut sinks = Vec::new();
    for a in &c.args {
        if let CallArg::Local { buf, sink } = a {
            let tangent = sink.filter(|_| !vjp).map(|s| elems(st, s));
            bufs.push((elems(st, *buf), tangent));
            sinks.push(sink.filter(|_| vjp));
        }
    }
    let (results, grads) = st.callees.call_buffers(c, reads, &bufs)?;
    for (sink, grad) in sinks.into_iter().zip(grads) {
        let Some(s) = sink else { continue };
        let d = st
            .bufs
            .get_mut(&s)
            .expect("a sink is created before the call");
        for (x, g) in d.iter_mut().zip(grad) {
            *x = *x + g;
        }
    }
    Ok(results)
}

/// No function's body is known: every call is an [`EvalError::OpaqueCall`].
pub(super) struct NoCallees;

impl<T> Callees<T> for NoCallees {
    fn call(&self, c: &Call, _: &[T]) -> Result<Vec<T>, EvalError> {
        Err(EvalError::OpaqueCall(c.path.join("::")))
    }
}
