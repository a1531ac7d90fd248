//! Procedural macros of macrograd: `grad!`, `#[differentiable]` and
//! `#[derive(Params)]`.
//!
//! These are entry points only; the pipeline lives in `macrograd-codegen`.
//! Use them through the `macrograd` crate, which documents them in full.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

/// Generates the value-and-gradient function `name_grad` beside a function.
///
/// `#[differentiable(custom = path)]` gives the derivative by hand instead.
/// See the `macrograd` crate for the full contract.
#[proc_macro_attribute]
pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    macrograd_codegen::expand_differentiable(attr.into(), item.into()).into()
}

/// Differentiates what is written inline: a closure
/// (`grad!(|x: f64| x * x)` is a closure returning `(value, gradient)`),
/// a network definition (`grad! { struct Mlp { .. } fn forward .. fn loss .. }`),
/// or one or more functions (`grad! { fn f(x: f64) -> f64 { .. } }`, as
/// `#[differentiable]` on each).
///
/// See the `macrograd` crate for the full contract.
#[proc_macro]
pub fn grad(input: TokenStream) -> TokenStream {
    macrograd_codegen::expand_grad(input.into()).into()
}

/// `derivative! { fn erf(x: f64) -> f64 = libm::erf(x); gradient = …; }`:
/// a derivative given by hand for a function the user does not own.
#[proc_macro]
pub fn derivative(input: TokenStream) -> TokenStream {
    macrograd_codegen::derivative::expand_derivative(input.into()).into()
}

/// Implements `macrograd::Params` for a struct, visiting its fields by name.
///
/// Field attributes: `#[params(skip)]`, `#[params(rename = "name")]`.
#[proc_macro_derive(Params, attributes(params))]
pub fn derive_params(input: TokenStream) -> TokenStream {
    macrograd_codegen::derive_params::expand_derive_params(input.into()).into()
}

/// Implements `macrograd::Differentiable` for a struct whose fields are
/// floats, fixed arrays of floats or other `Differentiable` structs, so
/// that it can be a parameter of a `#[differentiable]` function (its
/// gradient is a value of the same struct).
#[proc_macro_derive(Differentiable)]
pub fn derive_differentiable(input: TokenStream) -> TokenStream {
    macrograd_codegen::derive_differentiable::expand_derive_differentiable(input.into()).into()
}
