//! Items the generated code names; not part of the API.

mod by_calls;
mod call_partial;
mod method_hessian;
mod sink;

pub use by_calls::{hessian_matrix, unit_at, write_column, write_row, MAX_HESSIAN_ENTRIES};
pub use call_partial::{call_partial, CallPartial};
pub use method_hessian::{checked_hvp, Hvp, HvpPullback, NoHessian};
pub use sink::{
    add_hv_slice, hv_entry, CalleeHvpInto, GradSink, HvCombine, MissingCalleeHvpInto, SliceTangent,
};

/// The partial derivative a pullback returned for one argument. A `#[nograd]`
/// parameter of the callee returns `()` there, which has no `Partial`: the
/// error then points at the argument that needed a derivative.
#[diagnostic::on_unimplemented(
    message = "this argument needs a derivative, but the called function takes it as `#[nograd]`",
    label = "depends on a differentiable parameter, passed to a `#[nograd]` one",
    note = "remove `#[nograd]` from that parameter of the called function, or pass a value that does not depend on this function's differentiable parameters"
)]
pub trait Partial<T> {
    /// The derivative itself.
    fn into_partial(self) -> T;
}

impl<T: crate::Float> Partial<T> for T {
    fn into_partial(self) -> T {
        self
    }
}

impl<T: crate::Float, const N: usize> Partial<[T; N]> for [T; N] {
    fn into_partial(self) -> [T; N] {
        self
    }
}

/// The partial derivative a pullback returned for a tuple argument: a
/// tuple of the same shape (up to [`MAX_TUPLE`] parts, as the code
/// generator allows). A separate trait from [`Partial`], so that rustc's
/// list of implementations under a scalar or array error stays short.
#[diagnostic::on_unimplemented(
    message = "this tuple needs a derivative, but the called function takes it as `#[nograd]`",
    label = "depends on a differentiable parameter, passed to a `#[nograd]` one",
    note = "remove `#[nograd]` from that parameter of the called function, or pass a value that does not depend on this function's differentiable parameters"
)]
pub trait TuplePartial<T> {
    /// The derivative itself.
    fn into_partial(self) -> T;
}

macro_rules! tuple_partials {
    ($(($($t:ident),+);)+) => {
        $(
            impl<T: crate::Float> TuplePartial<($($t,)+)> for ($($t,)+) {
                fn into_partial(self) -> ($($t,)+) {
                    self
                }
            }
        )+
    };
}

tuple_partials! {
    (T);
    (T, T);
    (T, T, T);
    (T, T, T, T);
    (T, T, T, T, T);
    (T, T, T, T, T, T);
    (T, T, T, T, T, T, T);
    (T, T, T, T, T, T, T, T);
}

/// `p` as the derivative of a tuple argument (see [`TuplePartial`]).
#[inline(always)]
pub fn partial_tuple<T, P: TuplePartial<T>>(p: P) -> T {
    p.into_partial()
}

/// The most parts a tuple parameter may have.
pub const MAX_TUPLE: usize = 8;

/// `p` as the derivative of type `T` (see [`Partial`]).
#[inline(always)]
pub fn partial<T, P: Partial<T>>(p: P) -> T {
    p.into_partial()
}

/// A struct field the body reads as a float: `f32` or `f64` only.
#[diagnostic::on_unimplemented(
    message = "this field is read as a `{F}`, but its type is `{Self}`",
    label = "read as a float in a differentiable body",
    note = "read one of its float fields (`.x`) or elements (`[0]`) instead, or compute with the float type of the function"
)]
pub trait FloatField<F> {
    /// The value.
    fn get(&self) -> F;
    /// The value, mutably (a gradient's field).
    fn get_mut(&mut self) -> &mut F;
}

macro_rules! float_fields {
    ($($t:ty),*) => {
        $(
            impl FloatField<$t> for $t {
                #[inline(always)]
                fn get(&self) -> $t {
                    *self
                }
                #[inline(always)]
                fn get_mut(&mut self) -> &mut $t {
                    self
                }
            }
        )*
    };
}

float_fields!(f32, f64);

/// A field read as a float (see [`FloatField`]): its value, of type `F`
/// even when the field is not a float, so that one mistake gives one error.
#[inline(always)]
pub fn float_field<F, T: FloatField<F>>(t: &T) -> F {
    t.get()
}

/// A field the body reads as a float, read by the generated code as
/// `(&FieldRead::<F, _>(&s.x, PhantomData)).read_float()` with
/// [`ReadFloat`] and [`ReadAnyField`] in scope: a float field of type `F`
/// resolves to [`ReadFloat`] (its value and the projection reaching the
/// same field of a gradient), any other to [`ReadAnyField`] by
/// autoref-based specialisation (the method on `&FieldRead` is found one
/// autoref later).
///
/// Why not a bound: a field that is no float makes the user's function
/// itself fail to compile (`f64 * Arm`), so a bound on the read gave a
/// second error for the same mistake. The fallback compiles, and its
/// error is a constant evaluated only when the generated function is
/// instantiated: when the user's function compiles (say, with an
/// `impl Mul<Arm> for f64` of their own) the mistake is still one error,
/// ours; when it does not, rustc stops before and its error is the only one.
pub struct FieldRead<'a, F, T>(pub &'a T, pub core::marker::PhantomData<F>);

/// A float field's read (see [`FieldRead`]).
pub trait ReadFloat {
    /// `(value, projection)`.
    type Out;
    /// The field's value and the projection reaching the same field of a
    /// gradient value.
    fn read_float(&self) -> Self::Out;
}

impl<F, T: FloatField<F>> ReadFloat for FieldRead<'_, F, T> {
    type Out = (F, fn(&mut T) -> &mut F);
    #[inline(always)]
    fn read_float(&self) -> Self::Out {
        (self.0.get(), T::get_mut)
    }
}

/// The read of a field that is no float (see [`FieldRead`]): compiles,
/// and fails at instantiation with [`NotFloat::ERROR`].
pub trait ReadAnyField {
    /// `(value, projection)`.
    type Out;
    /// Never returns: instantiating it is a compile error.
    fn read_float(&self) -> Self::Out;
}

impl<F, T> ReadAnyField for &FieldRead<'_, F, T> {
    type Out = (F, fn(&mut T) -> &mut F);
    fn read_float(&self) -> Self::Out {
        #[allow(clippy::let_unit_value)]
        let () = NotFloat::<F, T>::ERROR;
        unreachable!("`NotFloat::ERROR` fails to compile")
    }
}

/// The post-monomorphisation error of [`ReadAnyField`].
pub struct NotFloat<F, T>(core::marker::PhantomData<(F, T)>);

impl<F, T> NotFloat<F, T> {
    /// Evaluated where a field that is no float is read as one.
    pub const ERROR: () = panic!(
        "a field read as a float in a `#[differentiable]` body is not a float of the function's type: \
         read one of its float fields (`.x`) or elements (`[0]`) instead"
    );
}

/// Checks that a struct parameter is `Differentiable` with the function's
/// float type.
#[inline(always)]
pub fn struct_param<T: crate::Differentiable<Float = F>, F>() {}

/// The zero of the struct a call returns, its type read off a closure
/// making that call, which is never called: the cotangent a caller that
/// reads the result by field (`let p = f(…); p.x`, `p.0`) builds for `f`'s
/// VJP. The result is a `Differentiable` struct, or a tuple of floats
/// (`p.0` cannot tell a tuple struct from a tuple).
#[inline(always)]
pub fn zero_like<T: ZeroLike>(_value: impl FnOnce() -> T) -> T {
    T::zero_value()
}

/// A result a caller reads by field (see [`zero_like`]): a
/// `Differentiable` struct or a tuple of floats.
pub trait ZeroLike {
    /// Its zero.
    fn zero_value() -> Self;
}

impl<T: crate::Differentiable> ZeroLike for T {
    #[inline(always)]
    fn zero_value() -> Self {
        T::zero()
    }
}

macro_rules! zero_like_tuples {
    ($(($($t:ident),+)),+) => {
        $(
            impl<T: crate::Float> ZeroLike for ($($t,)+) {
                #[inline(always)]
                fn zero_value() -> Self {
                    ($(<$t as Default>::default(),)+)
                }
            }
        )+
    };
}

zero_like_tuples!(
    (T, T),
    (T, T, T),
    (T, T, T, T),
    (T, T, T, T, T),
    (T, T, T, T, T, T),
    (T, T, T, T, T, T, T),
    (T, T, T, T, T, T, T, T)
);

/// The gradient a pullback returned for a struct argument: a value of the
/// struct's type; `()` (a `#[nograd]` parameter of the callee) has none.
#[diagnostic::on_unimplemented(
    message = "this struct needs a derivative, but the called function takes it as `#[nograd]`",
    label = "depends on a differentiable parameter, passed to a `#[nograd]` one",
    note = "remove `#[nograd]` from that parameter of the called function, or pass a value that does not depend on this function's differentiable parameters"
)]
pub trait StructPartial<T> {
    /// The derivative itself.
    fn as_partial(&self) -> &T;
}

impl<T: crate::Differentiable> StructPartial<T> for T {
    #[inline(always)]
    fn as_partial(&self) -> &T {
        self
    }
}

/// A pullback's gradient entry for a struct part beside the part's
/// tangent, for `(&PartialDot(&entry, &tangent)).partial_dot()` with
/// [`DotPartial`] and [`DotNothing`] in scope: an entry of the struct's
/// type gives `Σ entry.f · tangent.f` ([`DotPartial`]); any other (`()`,
/// a `#[nograd]` parameter of the callee) gives zero ([`DotNothing`], by
/// autoref-based specialisation), because the function's `name_grad`
/// already reports that mistake once, through [`add_struct_partial`].
pub struct PartialDot<'a, P, T>(pub &'a P, pub &'a T);

/// The dot of an entry of the struct's type (see [`PartialDot`]).
pub trait DotPartial {
    /// The float type.
    type Out;
    /// `Σ entry.f · tangent.f`.
    fn partial_dot(&self) -> Self::Out;
}

impl<T: crate::Differentiable> DotPartial for PartialDot<'_, T, T> {
    type Out = T::Float;
    #[inline(always)]
    fn partial_dot(&self) -> T::Float {
        self.0.dot(self.1)
    }
}

/// The dot of any other entry: zero (see [`PartialDot`]).
pub trait DotNothing {
    /// The float type.
    type Out;
    /// Zero.
    fn partial_dot(&self) -> Self::Out;
}

impl<P, T: crate::Differentiable> DotNothing for &PartialDot<'_, P, T> {
    type Out = T::Float;
    #[inline(always)]
    fn partial_dot(&self) -> T::Float {
        T::Float::default()
    }
}

/// `g += a · p`, where `p` is the gradient a pullback returned for a
/// struct argument (or a part of one) of type `T`.
#[inline(always)]
pub fn add_struct_partial<T: crate::Differentiable, P: StructPartial<T>>(
    g: &mut T,
    a: T::Float,
    p: &P,
) {
    g.add_scaled(a, p.as_partial());
}

/// Never implemented: the bound of `f::pullback` for a function `f` that
/// returns `[F; M]`. A differentiable caller reaches that pullback when it
/// calls `f` without saying its result is an array, and the error says how.
#[diagnostic::on_unimplemented(
    message = "this function returns an array of {M} floats: bind its result with its type or a pattern",
    label = "returns `[_; {M}]`",
    note = "in a differentiable body write `let r: [f64; {M}] = f(…);` or `let [a, b, …] = f(…);`, or return the call as the body's value of a function returning `[f64; {M}]`"
)]
pub trait ArrayResult<const M: usize> {}

/// Never implemented: the bound of `f::pullback` for a function `f` that
/// returns a tuple of `M` floats, as [`ArrayResult`] for arrays.
#[diagnostic::on_unimplemented(
    message = "this function returns a tuple of {M} floats: bind its result with a tuple pattern or its type",
    label = "returns a tuple of {M} floats",
    note = "in a differentiable body write `let (a, b, …) = f(…);` or `let r: (f64, f64, …) = f(…);` (then read `r.0`), or return the call as the body's value of a function returning the same tuple"
)]
pub trait TupleResult<const M: usize> {}

/// Never implemented: the bound of `f::pullback` for a function `f` that
/// returns a struct. A differentiable caller reaches that pullback when it
/// calls `f` without taking its result apart by a struct pattern.
#[diagnostic::on_unimplemented(
    message = "this function returns a struct: take its result apart with a struct pattern",
    label = "returns a struct",
    note = "in a differentiable body bind it to a name and read its fields, `let p = f(…);` then `p.theta`, or take it apart, `let State {{ theta, omega }} = f(…);`; it cannot be passed on whole"
)]
pub trait StructResult {}

/// Never implemented: the bound of the hidden pullback of a method that
/// returns `[F; M]` or a tuple, which a differentiable caller reaches when
/// it does not bind the result by its shape.
#[diagnostic::on_unimplemented(
    message = "this method returns {M} floats: bind its result with a pattern or its type",
    label = "called in a differentiable body",
    note = "in a differentiable body write `let [x, y] = self.tip(q);` or `let r: [f64; {M}] = self.tip(q);` (`let (a, b) = …;` for a tuple)"
)]
pub trait MethodVectorResult<const M: usize> {}

/// Never implemented: the bound of the hidden pullback of a method (or an
/// associated function) that returns a struct, which a differentiable
/// caller reaches when it does not take the result apart by a struct
/// pattern.
#[diagnostic::on_unimplemented(
    message = "this method returns a struct: take its result apart with a struct pattern",
    label = "called in a differentiable body",
    note = "in a differentiable body bind it to a name and read its fields, `let s = self.step(h);` then `s.x`, or take it apart, `let State {{ x, v }} = self.step(h);`; it cannot be passed on whole"
)]
pub trait MethodStructResult {}

/// What a differentiable body's call of `f_grad` needs of `f`: its
/// Hessian-vector product `f::hvp_pullback`, which
/// `#[differentiable(hessian)]` writes as an inherent associated function
/// (found first). Without it, the call resolves to [`MissingHessian`]'s,
/// which requires this trait: it has no implementations, so the one error
/// is this message, on the call.
#[diagnostic::on_unimplemented(
    message = "`{Self}_grad` is called in a differentiable function, but `{Self}` has no Hessian to differentiate its gradient with",
    label = "the derivative of this gradient is `{Self}`'s Hessian-vector product",
    note = "write `#[differentiable(hessian)]` on `fn {Self}`"
)]
pub trait Hessian {
    /// Never called: no type implements this trait.
    fn never<O>() -> O;
}

/// The `hvp_pullback` of a function without `#[differentiable(hessian)]`
/// (see [`Hessian`]); generated code brings it into scope.
pub trait MissingHessian {
    /// Uncallable: `Self: Hessian` never holds.
    fn hvp_pullback<A, D, O>(_arguments: A, _direction: D) -> O
    where
        Self: Hessian,
    {
        <Self as Hessian>::never()
    }
}

impl<T> MissingHessian for T {}

/// What a function with `hessian` needs of a helper `f` it calls: `f`'s
/// Hessian-vector product `f::hvp_pullback` (the second derivative of the
/// call), as for [`Hessian`]; without it, the call's one error is this
/// message.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is called in a function with `hessian`, but `{Self}` has no Hessian",
    label = "the second derivative of this call is `{Self}`'s Hessian-vector product",
    note = "write `#[differentiable(hessian)]` on `fn {Self}`, or remove `hessian` from the caller"
)]
pub trait CalleeHessian {
    /// Never called: no type implements this trait.
    fn never<O>() -> O;
}

/// The `hvp_pullback` of a helper without `#[differentiable(hessian)]`
/// called in a function with `hessian` (see [`CalleeHessian`]); generated
/// code brings it into scope.
pub trait MissingCalleeHessian {
    /// Uncallable: `Self: CalleeHessian` never holds.
    fn hvp_pullback<A, D, O>(_arguments: A, _direction: D) -> O
    where
        Self: CalleeHessian,
    {
        <Self as CalleeHessian>::never()
    }
}

impl<T> MissingCalleeHessian for T {}

/// What a helper's `has_derivative()` returns: `()` on the hidden type of
/// a differentiable function, [`NoDerivative`] on a method's fallback for
/// a plain function (see the codegen's `emit::missing`).
#[diagnostic::on_unimplemented(
    message = "this function has no derivative: a function called in a differentiable body must be `#[differentiable]` too",
    label = "not `#[differentiable]`",
    note = "write `#[differentiable]` on this function; for a function you do not own, declare a wrapper with its derivative near the use with `macrograd::derivative!` and call the wrapper; or compute it outside this function and pass the result in as a `#[nograd]` parameter"
)]
pub trait HasDerivative {}

impl HasDerivative for () {}

/// The `has_derivative()` of a plain function called in a method, which
/// [`require_derivative`] rejects. A runtime type, so that the error is the
/// same in each of the method's generated functions and rustc shows it
/// once.
pub struct NoDerivative;

/// What a method's or associated function's pullback returns, `(value,
/// gradient entries)`; a method's fallback for one without a derivative
/// returns [`NoDerivative`] instead, which [`checked`] rejects (the same
/// diagnostic in each of the caller's generated functions, shown once).
#[diagnostic::on_unimplemented(
    message = "this has no derivative: a method or associated function called in a differentiable body must be `#[differentiable]` too",
    label = "not `#[differentiable]`",
    note = "write `#[differentiable]` on it in its `impl` block, or compute it outside this function and pass the result in as a `#[nograd]` parameter"
)]
pub trait Pullback {
    /// The pullback's result itself.
    type Output;
    /// The result, unchanged.
    fn result(self) -> Self::Output;
}

impl<V, E> Pullback for (V, E) {
    type Output = (V, E);
    #[inline(always)]
    fn result(self) -> Self {
        self
    }
}

/// A method's pullback result, when it has one (see [`Pullback`]).
#[inline(always)]
pub fn checked<T: Pullback>(pullback: T) -> T::Output {
    pullback.result()
}

/// Compiles when `has_derivative()` says the callee has a derivative.
#[inline(always)]
pub fn require_derivative<T: HasDerivative>(_checked: T) {}

/// Never implemented: the bound of `f_jacobian` for a function `f`
/// returning an array with a differentiable parameter of run-time length,
/// whose Jacobian would be a matrix of run-time size.
#[diagnostic::on_unimplemented(
    message = "no Jacobian over a parameter of run-time length: a Jacobian needs differentiable parameters of fixed size",
    label = "this function takes a slice (`&[f64]`), so its Jacobian would have run-time size",
    note = "call `name_vjp(params, cotangent)` for one row combination `uᵀJ` (`name_vjp_into` adds it into your buffer), or `name_jvp(params, tangent)` for `J·v`; or give the parameter a fixed size (`[f64; N]`)"
)]
pub trait JacobianOverSlice {}

/// What a function with `hessian` (or `hvp`) needs of a helper `f`
/// returning an array, a tuple or a struct that it calls, and a differentiable body of a call
/// of `f_vjp`: the tangent of `f`'s VJP,
/// `f::vjp_jvp`, which `#[differentiable(hessian)]` on `f` writes as an
/// inherent associated function (found first). Without it, the call's one
/// error is this message.
#[diagnostic::on_unimplemented(
    message = "`{Self}` returns several floats and its VJP is differentiated here, but `{Self}` has no second derivatives",
    label = "the derivative of this call's VJP is the tangent of `{Self}`'s VJP, `{Self}_vjp_jvp`",
    note = "write `#[differentiable(hessian)]` (or `hvp`) on `fn {Self}`, which adds `{Self}_vjp_jvp`; or, for a call in a function with `hessian` or `hvp`, remove that keyword"
)]
pub trait CalleeVjpJvp {
    /// Never called: no type implements this trait.
    fn never<O>() -> O;
}

/// The `vjp_jvp` of a helper returning several floats without
/// `#[differentiable(hessian)]`, called in a function with `hessian` (see
/// [`CalleeVjpJvp`]); generated code brings it into scope.
pub trait MissingCalleeVjpJvp {
    /// Uncallable: `Self: CalleeVjpJvp` never holds.
    fn vjp_jvp<A, C, T, D, O>(
        _arguments: A,
        _cotangent: C,
        _tangents: T,
        _cotangent_tangent: D,
    ) -> O
    where
        Self: CalleeVjpJvp,
    {
        <Self as CalleeVjpJvp>::never()
    }
}

impl<T> MissingCalleeVjpJvp for T {}

/// A zero of a Hessian-vector product's direction type, for an argument of
/// a call differentiated twice that depends on no differentiable input:
/// the callee's parameter may be `#[nograd]` (direction `()`) or not (a
/// float, an array or a tuple of them, or a struct, for which
/// `#[derive(Differentiable)]` writes this trait as its zero), which the
/// caller's macro cannot see; the callee's `hvp_pullback` signature picks
/// it.
pub trait ZeroDirection {
    /// The zero.
    fn zero() -> Self;
}

impl ZeroDirection for () {
    fn zero() -> Self {}
}

impl<T: crate::Float> ZeroDirection for T {
    fn zero() -> Self {
        T::from_f64(0.0)
    }
}

impl<T: ZeroDirection, const N: usize> ZeroDirection for [T; N] {
    fn zero() -> Self {
        std::array::from_fn(|_| T::zero())
    }
}

macro_rules! zero_tuples {
    ($($t:ident),+) => {
        impl<$($t: ZeroDirection),+> ZeroDirection for ($($t,)+) {
            fn zero() -> Self {
                ($($t::zero(),)+)
            }
        }
    };
}
zero_tuples!(A);
zero_tuples!(A, B);
zero_tuples!(A, B, C);
zero_tuples!(A, B, C, D);
zero_tuples!(A, B, C, D, E);
zero_tuples!(A, B, C, D, E, G);

/// `T`'s [`ZeroDirection`].
pub fn zero_direction<T: ZeroDirection>() -> T {
    T::zero()
}

#[cfg(test)]
mod tests {
    #[test]
    fn unit_directions_and_jacobian_parts() {
        // float k of [[_; 2]; 2] in declaration order; zero outside
        let u: [[f64; 2]; 2] = super::unit_at(5, 3);
        assert_eq!(u, [[0.0, 0.0], [1.0, 0.0]]);
        let z: [f64; 2] = super::unit_at(1, 2);
        assert_eq!(z, [0.0, 0.0]);
        let z: [f64; 2] = super::unit_at(4, 2);
        assert_eq!(z, [0.0, 0.0]);
        let mut row = [0.0_f32; 4];
        super::write_row(&[1.0_f32, 2.0], &mut row[..], 1);
        assert_eq!(row, [0.0, 1.0, 2.0, 0.0]);
        let mut j = [[0.0_f64; 2]; 3];
        super::write_column(&[5.0, 6.0], &mut j[..], 1, 1);
        assert_eq!(j, [[0.0, 0.0], [0.0, 5.0], [0.0, 6.0]]);
    }
}
