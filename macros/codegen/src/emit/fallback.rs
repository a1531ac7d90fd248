//! What a macro expands to when the input has errors: the errors, plus
//! stubs with the expected signatures, so the user sees those errors and not
//! a cascade of "cannot find function `f_grad`".

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};

use super::names::{GRAD_SUFFIX, PULLBACK};
use super::{grad_type, inputs};
use crate::types::Signature;

/// The original item with its body stubbed out, and stubs of `f_grad` and
/// `f::pullback` when the signature could be read.
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
    let pb_name = syn::Ident::new(PULLBACK, Span::call_site());
    let float = syn::Ident::new(sig.float.name(), Span::call_site());
    let gty = grad_type(sig);
    let ins = inputs(sig);
    let entries = sig.params.iter().map(|p| {
        if p.nograd {
            quote!(())
        } else {
            let t = p.value_ty();
            quote!(#t)
        }
    });
    // a method's stubs land inside its `impl`, where the hidden type cannot go
    let hidden = if item.sig.receiver().is_some() || crate::parse::names_self(item) {
        quote!()
    } else {
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types, dead_code)]
            #vis struct #name {}
            #[allow(dead_code, unused_variables)]
            impl #name {
                pub fn #pb_name(#ins) -> (#float, (#(#entries,)*)) { ::core::unimplemented!() }
                pub fn has_derivative() {}
            }
        }
    };
    quote! {
        #errors
        #stubbed
        #[allow(unused_variables)]
        #vis fn #grad_name(#ins) -> (#float, #gty) { ::core::unimplemented!() }
        #hidden
    }
}

/// A closure of the expected type when the signature could be read.
///
/// Without a readable signature, `arity` (when the closure parsed) gives a
/// guess: that many `f64` parameters, which is what most uses expect.
pub fn fallback_closure(
    sig: Option<&Signature>,
    arity: Option<usize>,
    errors: TokenStream,
) -> TokenStream {
    let Some(sig) = sig else {
        let Some(n) = arity else {
            return quote! {{ #errors; |_: ()| -> () { ::core::unimplemented!() } }};
        };
        let names: Vec<_> = (0..n).map(|k| quote::format_ident!("_x{}", k)).collect();
        let grads: Vec<_> = (0..n).map(|_| quote!(f64)).collect();
        let gty = if n == 1 {
            quote!(f64)
        } else {
            quote!((#(#grads),*))
        };
        return quote! {{
            #errors;
            let value_and_gradient = |#(#names: f64),*| -> (f64, #gty) { ::core::unimplemented!() };
            value_and_gradient
        }};
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
