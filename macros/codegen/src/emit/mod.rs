//! Emit: the items a macro expands to.
//!
//! For `#[differentiable] fn f(params) -> F` (see [`grad_fn`]):
//!
//! ```text
//! fn f(params) -> F { …as written… }
//! /// value and gradient, with the formulas
//! fn f_grad(params) -> (F, gradient)
//! #[doc(hidden)]
//! struct f {}                                 // type namespace only, hidden
//! impl f { fn pullback(params) -> (F, (entry, …,)) }  // one entry per parameter, `()` for #[nograd]
//! ```
//!
//! Callers reach `f` through `f::pullback`, whose shape does not depend on
//! how many parameters are differentiable.

mod body;
mod fallback;
pub mod names;

pub use fallback::{fallback_closure, fallback_fn};

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::ir::Graph;
use crate::parse::Signature;
use body::Writer;
use names::{GRAD_SUFFIX, PULLBACK};

/// The body of the value-and-gradient function for a simplified graph.
pub fn grad_body(g: &Graph) -> TokenStream {
    let mut w = Writer::new(g);
    let mut entries = Vec::new();
    for (k, p) in g.params.iter().filter(|p| p.diff).enumerate() {
        let elems: Vec<_> = g.grads[k].iter().map(|n| w.output(*n)).collect();
        entries.push(match p.len {
            None => elems[0].clone(),
            Some(_) => quote!([#(#elems),*]),
        });
    }
    let value = w.output(g.value);
    let grads = if entries.len() == 1 {
        entries.remove(0)
    } else {
        quote!((#(#entries),*))
    };
    w.body(quote!((#value, #grads)))
}

/// The gradient's type: the parameter's type for one differentiable
/// parameter, else a tuple of them.
pub fn grad_type(sig: &Signature) -> TokenStream {
    let tys: Vec<_> = sig.diff_params().map(|p| &p.ty).collect();
    if tys.len() == 1 {
        let t = tys[0];
        quote!(#t)
    } else {
        quote!((#(#tys),*))
    }
}

/// `x: f64, y: [f64; 3]` as they appear in generated signatures.
pub fn inputs(sig: &Signature) -> TokenStream {
    let ps = sig.params.iter().map(|p| {
        let (id, ty) = (&p.ident, &p.ty);
        quote!(#id: #ty)
    });
    quote!(#(#ps),*)
}

/// The items beside `#[differentiable(custom = path)] fn f`: `f::pullback` calling the
/// user's gradient function, and `f_grad` too unless `path` is `f_grad` itself.
pub fn custom_fn(item: &syn::ItemFn, sig: &Signature, custom: &syn::Path) -> TokenStream {
    let name = &item.sig.ident;
    let grad_name = format_ident!("{}{}", name, GRAD_SUFFIX);
    if custom.is_ident(&grad_name) {
        let pullback = pullback(item, sig);
        return quote! { #item #pullback };
    }
    let args = sig.params.iter().map(|p| &p.ident);
    // the path checked against the signature it must have, so that a
    // mismatch is reported on `custom = path` with that signature spelled out
    let float = syn::Ident::new(sig.float.name(), Span::call_site());
    let gty = grad_type(sig);
    let tys = sig.params.iter().map(|p| &p.ty);
    let at = syn::spanned::Spanned::span(custom);
    let expected = quote_spanned!(at=> fn(#(#tys),*) -> (#float, #gty));
    let body = quote_spanned! {at=>
        let custom_gradient: #expected = #custom;
        custom_gradient(#(#args),*)
    };
    let doc = format!(
        " Value and gradient of [`{name}`], from the derivative given by `#[differentiable(custom = {})]`.",
        quote!(#custom)
    );
    grad_fn(item, sig, body, &doc)
}

/// The generated items beside a `#[differentiable]` function.
pub fn grad_fn(item: &syn::ItemFn, sig: &Signature, body: TokenStream, doc: &str) -> TokenStream {
    let vis = &item.vis;
    let name = &item.sig.ident;
    let grad_name = format_ident!("{}{}", name, GRAD_SUFFIX);
    let float = syn::Ident::new(sig.float.name(), Span::call_site());
    let gty = grad_type(sig);
    let ins = inputs(sig);
    let pullback = pullback(item, sig);
    quote! {
        #item

        #[doc = #doc]
        #[allow(clippy::all, unused_parens, unused_variables)]
        #vis fn #grad_name(#ins) -> (#float, #gty) {
            #body
        }

        #pullback
    }
}

/// `f::pullback`: `f_grad` with one gradient entry per parameter.
fn pullback(item: &syn::ItemFn, sig: &Signature) -> TokenStream {
    let vis = &item.vis;
    let name = &item.sig.ident;
    let grad_name = format_ident!("{}{}", name, GRAD_SUFFIX);
    let pb_name = syn::Ident::new(PULLBACK, Span::call_site());
    let float = syn::Ident::new(sig.float.name(), Span::call_site());
    let ins = inputs(sig);
    let args = sig.params.iter().map(|p| &p.ident);
    let n_diff = sig.diff_params().count();
    let mut k = 0;
    let mut tys = Vec::new();
    let mut exprs = Vec::new();
    for p in &sig.params {
        if p.nograd {
            tys.push(quote!(()));
            exprs.push(quote!(()));
        } else {
            let ty = &p.ty;
            tys.push(quote!(#ty));
            let idx = syn::Index::from(k);
            exprs.push(if n_diff == 1 {
                quote!(gradient)
            } else {
                quote!(gradient.#idx)
            });
            k += 1;
        }
    }
    let doc = format!(" Pullback of [`{name}`] for differentiable callers: its value and one gradient entry per parameter (`()` for `#[nograd]` ones). Generated by macrograd.");
    // A braced struct lives in the type namespace only, beside the function
    // of the same name: `use m::f` imports both, and an `impl` (unlike a
    // module) sees the items around it, also inside a function body.
    // The items' outer tokens spanned on the name: in an `impl` block (where
    // an attribute cannot tell it is), rustc's "struct is not supported in
    // `impl`s" lands there. (Not the function inside: its local variables,
    // spanned on a name from a `macro_rules!`, would take that macro's
    // hygiene.)
    let pb_fn = quote! {
        #[doc = #doc]
        #[inline]
        pub fn #pb_name(#ins) -> (#float, (#(#tys,)*)) {
            // names the function as written, so that calling only its
            // gradient does not report it unused
            let _ = #name;
            let (value, gradient) = #grad_name(#(#args),*);
            (value, (#(#exprs,)*))
        }
    };
    quote_spanned! {name.span()=>
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #name {}

        #[allow(dead_code)]
        impl #name {
            #pb_fn
        }
    }
}

/// The closure `grad!` expands to.
pub fn closure(sig: &Signature, body: TokenStream) -> TokenStream {
    let float = syn::Ident::new(sig.float.name(), Span::call_site());
    let gty = grad_type(sig);
    let ins = inputs(sig);
    quote! {{
        #[allow(clippy::all, unused_parens, unused_variables)]
        let value_and_gradient = |#ins| -> (#float, #gty) { #body };
        value_and_gradient
    }}
}

/// The rustdoc of `f_grad`: what it returns, the mode it was derived in
/// (`forward` for a single differentiable scalar) and the formulas.
pub fn grad_doc(name: &str, sig: &Signature, forward: bool, formulas: &[String]) -> String {
    let params: Vec<String> = sig.params.iter().map(|p| p.ident.to_string()).collect();
    let wrt: Vec<String> = sig
        .diff_params()
        .map(|p| format!("∂{name}/∂{}", p.ident))
        .collect();
    let grads = if wrt.len() == 1 {
        wrt[0].clone()
    } else {
        format!("({})", wrt.join(", "))
    };
    format!(
        " Value and gradient of [`{name}`]: returns `({name}({}), {grads})`.\n\n Generated by macrograd's `#[differentiable]` ({} mode, at compile time):\n\n ```text\n{}\n ```",
        params.join(", "),
        if forward { "forward" } else { "reverse" },
        formulas.iter().map(|l| format!(" {l}")).collect::<Vec<_>>().join("\n")
    )
}
