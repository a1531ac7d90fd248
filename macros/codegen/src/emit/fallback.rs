//! What a macro expands to when the input has errors: the errors, plus
//! stubs with the expected signatures, so the user sees those errors and not
//! a cascade of "cannot find function `f_grad`".

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};

use super::names::{GRAD_SUFFIX, PULLBACK_SUFFIX};
use super::{grad_type, inputs};
use crate::parse::Signature;

/// The original item with its body stubbed out, and stubs of `f_grad` and
/// `f_pullback` when the signature could be read.
pub fn fallback_fn(
    item: &syn::ItemFn,
    sig: Option<&Signature>,
    errors: TokenStream,
) -> TokenStream {
    let mut stubbed = item.clone();
    *stubbed.block = syn::parse_quote!({ ::core::unimplemented!() });
    stubbed
        .attrs
        .push(syn::parse_quote!(#[allow(unused_variables)]));
    let Some(sig) = sig else {
        return quote! { #errors #stubbed };
    };
    let vis = &item.vis;
    let name = &item.sig.ident;
    let grad_name = format_ident!("{}{}", name, GRAD_SUFFIX);
    let pb_name = format_ident!("{}{}", name, PULLBACK_SUFFIX);
    let float = syn::Ident::new(sig.float.name(), Span::call_site());
    let gty = grad_type(sig);
    let ins = inputs(sig);
    let entries = sig.params.iter().map(|p| {
        if p.nograd {
            quote!(())
        } else {
            let t = &p.ty;
            quote!(#t)
        }
    });
    quote! {
        #errors
        #stubbed
        #[allow(unused_variables)]
        #vis fn #grad_name(#ins) -> (#float, #gty) { ::core::unimplemented!() }
        #[allow(unused_variables)]
        #[doc(hidden)]
        #vis fn #pb_name(#ins) -> (#float, (#(#entries,)*)) { ::core::unimplemented!() }
    }
}

/// A closure of the expected type when the signature could be read.
pub fn fallback_closure(sig: Option<&Signature>, errors: TokenStream) -> TokenStream {
    let Some(sig) = sig else {
        return quote! {{ #errors; |_: ()| -> () { ::core::unimplemented!() } }};
    };
    let float = syn::Ident::new(sig.float.name(), Span::call_site());
    let gty = grad_type(sig);
    let ins = inputs(sig);
    quote! {{
        #errors;
        #[allow(unused_variables)]
        let value_and_gradient = |#ins| -> (#float, #gty) { ::core::unimplemented!() };
        value_and_gradient
    }}
}
