//! `derivative!`: a derivative given by hand for a function the user does
//! not own (`libm::erf`, a function of another crate).
//!
//! ```text
//! derivative! {
//!     /// The error function.
//!     pub fn erf(x: f64) -> f64 = libm::erf(x);
//!     gradient = 2.0 / core::f64::consts::PI.sqrt() * (-x * x).exp();
//! }
//! ```
//!
//! expands to the wrapper `fn erf(x: f64) -> f64 { libm::erf(x) }`,
//! `erf_grad` returning `(value, gradient)` (the gradient in the usual
//! convention: the entry itself for one parameter, a tuple for several) and
//! the hidden `erf::pullback` through which `#[differentiable]` callers
//! differentiate `erf(…)`. The signature goes through the same checks as a
//! `#[differentiable]` function's.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};

use crate::ctxt::Ctxt;
use crate::{emit, parse};

/// The input of `derivative!`.
struct Input {
    attrs: Vec<syn::Attribute>,
    vis: syn::Visibility,
    sig: syn::Signature,
    value: syn::Expr,
    gradient: syn::Expr,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(syn::Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig: syn::Signature = input.parse()?;
        input.parse::<syn::Token![=]>()?;
        let value = input.parse()?;
        input.parse::<syn::Token![;]>()?;
        let key: syn::Ident = input.parse()?;
        if key != "gradient" {
            return Err(syn::Error::new(
                key.span(),
                "expected `gradient = <expression>;`: the derivative, one entry per parameter (a tuple for several)",
            ));
        }
        input.parse::<syn::Token![=]>()?;
        let gradient = input.parse()?;
        if !input.is_empty() {
            input.parse::<syn::Token![;]>()?;
        }
        if !input.is_empty() {
            return Err(input.error("one function per `derivative!`: `fn name(x: f64) -> f64 = value; gradient = derivative;`"));
        }
        Ok(Input {
            attrs,
            vis,
            sig,
            value,
            gradient,
        })
    }
}

/// Expands `derivative! { fn name(params) -> F = value; gradient = expr; }`.
pub fn expand_derivative(input: TokenStream) -> TokenStream {
    let input: Input = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.into_compile_error(),
    };
    let Input {
        attrs,
        vis,
        sig,
        value,
        gradient,
    } = input;
    let item = quote! {
        #(#attrs)*
        #[inline]
        #vis #sig { #value }
    };
    let cx = Ctxt::new();
    let Some(f) = parse::parse_fn(quote!(), item.clone(), &cx) else {
        let errors = cx.check().err().map(syn::Error::into_compile_error);
        return quote!(#errors #item);
    };
    if let Some(sig) = &f.sig {
        if sig.diff_params().next().is_none() {
            cx.error_spanned_by(
                &f.item.sig.ident,
                "nothing to differentiate: every parameter is `#[nograd]`",
            );
        }
    }
    match (cx.check(), &f.sig) {
        (Ok(()), Some(s)) => {
            let name = f.item.sig.ident.to_string();
            let doc = format!(
                " Value and gradient of [`{name}`], from the derivative given by `derivative!`."
            );
            emit::grad_fn(&f.item, s, quote!((#value, #gradient)), &doc)
        }
        (Err(e), s) => emit::fallback_fn(&f.item, s.as_ref(), e.into_compile_error()),
        (Ok(()), None) => item,
    }
}
