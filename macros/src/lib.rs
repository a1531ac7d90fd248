//! Procedural macros of macrograd: `#[grad]` and `gradient!`.
//!
//! These are entry points only; the pipeline lives in `macrograd-codegen`.
//! Use them through the `macrograd` crate, which documents them in full.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

/// Generates the value-and-gradient function `name_grad` beside a function.
///
/// See the `macrograd` crate for the full contract.
#[proc_macro_attribute]
pub fn grad(attr: TokenStream, item: TokenStream) -> TokenStream {
    macrograd_codegen::expand_grad_fn(attr.into(), item.into()).into()
}

/// Turns a closure into a closure returning `(value, gradient)`.
///
/// See the `macrograd` crate for the full contract.
#[proc_macro]
pub fn gradient(input: TokenStream) -> TokenStream {
    macrograd_codegen::expand_gradient(input.into()).into()
}

/// Implements `macrograd::Params` for a struct, visiting its fields by name.
///
/// Field attributes: `#[params(skip)]`, `#[params(rename = "name")]`.
#[proc_macro_derive(Params, attributes(params))]
pub fn derive_params(input: TokenStream) -> TokenStream {
    macrograd_codegen::derive_params::expand_derive_params(input.into()).into()
}

/// Declares a network: its layers, `forward` and `loss`; generates the
/// struct, its parameter visitor, and the forward and backward passes.
///
/// See the `macrograd` crate for the syntax.
#[proc_macro]
pub fn model(input: TokenStream) -> TokenStream {
    macrograd_codegen::model::expand_model(input.into()).into()
}
