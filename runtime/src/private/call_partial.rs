//! The derivative of a call argument that is itself the value of another
//! call (`norm2(project(cam, x))`, or `let p = project(cam, x); norm2(p)`).

/// As [`super::Partial`] for a float argument that is the value of a call.
///
/// The macro sees only the caller, so a call whose array or tuple result is
/// not bound by its shape is taken for a scalar helper's, and its value is
/// passed on as a float. Its callee's trap pullback (bound by
/// [`super::ArrayResult`], [`super::TupleResult`] or
/// [`super::MethodVectorResult`]) is that program's one error; the
/// implementations for arrays and tuples below only keep the caller's read
/// of the next callee's gradient entry (an array or a tuple there) from
/// being a second. They are never called: a program reaching them does not
/// compile.
#[diagnostic::on_unimplemented(
    message = "this argument needs a derivative, but the called function takes it as `#[nograd]`",
    label = "depends on a differentiable parameter, passed to a `#[nograd]` one",
    note = "remove `#[nograd]` from that parameter of the called function, or pass a value that does not depend on this function's differentiable parameters"
)]
pub trait CallPartial<T> {
    /// The derivative itself.
    fn into_partial(self) -> T;
}

impl<T: crate::Float> CallPartial<T> for T {
    #[inline(always)]
    fn into_partial(self) -> T {
        self
    }
}

impl<T: crate::Float, const N: usize> CallPartial<T> for [T; N] {
    fn into_partial(self) -> T {
        unreachable!("only the value of an unbound array result, whose trap bound fails the build, is read so")
    }
}

macro_rules! call_partial_tuples {
    ($(($($t:ident),+)),+) => {
        $(
            impl<T: crate::Float> CallPartial<T> for ($($t,)+) {
                fn into_partial(self) -> T {
                    unreachable!("only the value of an unbound tuple result, whose trap bound fails the build, is read so")
                }
            }
        )+
    };
}

call_partial_tuples!(
    (T, T),
    (T, T, T),
    (T, T, T, T),
    (T, T, T, T, T),
    (T, T, T, T, T, T),
    (T, T, T, T, T, T, T),
    (T, T, T, T, T, T, T, T)
);

/// `p` as the derivative of type `T` of an argument that is the value of a
/// call (see [`CallPartial`]).
#[inline(always)]
pub fn call_partial<T, P: CallPartial<T>>(p: P) -> T {
    p.into_partial()
}
