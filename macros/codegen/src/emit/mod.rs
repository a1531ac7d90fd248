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

mod assoc_hessian;
mod body;
mod buffer;
mod call;
mod fallback;
pub mod higher;
mod jacobian_calls;
mod loops;
pub mod missing;
mod nested;
pub mod pool;
mod results;
mod rows;
mod slice_hvp;
mod structs;
mod tape;
#[doc(hidden)]
pub mod uses;
mod value_log;
mod vcall;
mod vcall_reads;
mod vhidden;
mod vjp_slices;
mod vsaved;

pub use assoc_hessian::assoc_hessian_items;
pub use loops::memory_doc;
pub use nested::hessian_items;
pub(crate) use structs::{field_tokens, seg_tokens};
use structs::{k_param, self_bound, struct_checks, struct_gradient};
pub mod names;

pub use fallback::{fallback_closure, fallback_fn};
pub use jacobian_calls::{hessian_by_calls, jacobian_by_calls};
pub use slice_hvp::hidden_hvp_into;
pub use vhidden::{
    assoc_vector_hessian_items, vector_hessian_items, vector_items, vector_method_items,
};
pub use vjp_slices::{hidden_jvp, no_jacobian, nograd_slice_vjp_into, vjp_slices, NoJacobian};
pub use vsaved::saved_forward;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use proc_macro2::Literal;

use crate::ir::Graph;
use crate::types::Signature;
use crate::types::{Float, FnParam};
use body::Writer;
use names::{GRAD_SUFFIX, PULLBACK};

/// The body of the value-and-gradient function for a simplified graph,
/// returning owned gradients (a `Vec` for each differentiable slice).
pub fn grad_body(g: &Graph) -> TokenStream {
    body_with(g, false)
}

/// How the gradient of a differentiable slice is returned.
fn body_with(g: &Graph, into: bool) -> TokenStream {
    let mut w = Writer::new(g);
    let float = syn::Ident::new(g.float.name(), Span::call_site());
    let mut entries = Vec::new();
    let mut prelude = Vec::new();
    // each differentiable struct's gradient variable, named before any node
    for (k, p) in g.params.iter().enumerate() {
        if let (true, Some(ty)) = (p.diff, &p.struct_ty) {
            let d = w.names.fresh(&names::grad_buffer_name(&p.name));
            if g.struct_calls {
                prelude.push(quote!(let mut #d = <#ty as ::macrograd::Differentiable>::zero();));
            }
            w.struct_grads.insert(k, d);
        }
    }
    for p in g.params.iter().filter(|p| p.by_ref && p.fields.is_none()) {
        let x = names::ident(&p.name, p.span);
        prelude.push(quote! { let #x = *#x; });
    }
    prelude.extend(struct_checks(&mut w));
    for (k, p) in g.params.iter().filter(|p| p.diff).enumerate() {
        if let Some(slice) = p.slice {
            let buf = names::ident(&names::grad_buffer_name(&p.name), p.span);
            let xs = names::ident(&p.name, p.span);
            if into {
                let msg = format!(
                    "`{}` and its gradient buffer `{}` differ in length",
                    p.name, buf
                );
                prelude.push(quote! { ::core::assert_eq!(#xs.len(), #buf.len(), #msg); });
                continue;
            }
            let zero = match slice.row {
                None => quote!(0.0),
                Some(n) => {
                    let n = Literal::usize_unsuffixed(n);
                    quote!([0.0; #n])
                }
            };
            prelude.push(quote! { let mut #buf: ::std::vec::Vec<_> = ::std::vec![#zero as #float; #xs.len()]; });
            entries.push(quote!(#buf));
            continue;
        }
        let elems: Vec<_> = g.grads[k].iter().map(|n| w.output(*n)).collect();
        if let (Some(fields), Some(ty)) = (&p.fields, &p.struct_ty) {
            let kp = k_param(g, p);
            let d = w.struct_grads[&kp].clone();
            let projs: Vec<syn::Ident> = (0..fields.len())
                .map(|i| w.struct_fields_mut[&(kp, i)].clone())
                .collect();
            entries.push(struct_gradient(
                &d,
                fields,
                &projs,
                p.span,
                &elems,
                g.struct_calls,
                ty,
            ));
            continue;
        }
        entries.push(match p.len {
            None => elems[0].clone(),
            Some(_) if p.tuple => quote!((#(#elems,)*)),
            Some(_) => quote!([#(#elems),*]),
        });
    }
    let value = w.output(g.value);
    let grads = match entries.len() {
        1 => entries.remove(0),
        _ => quote!((#(#entries),*)),
    };
    // `f_grad_into` of a function whose gradients are all slices returns the value alone
    let body = if into && entries.is_empty() && grads.to_string() == "()" {
        w.body(quote!(#value))
    } else {
        w.body(quote!((#value, #grads)))
    };
    quote! { #(#prelude)* #body }
}

/// The type of one parameter's gradient entry: its own type, or `Vec<F>`
/// (`Vec<[F; N]>`) for a slice.
fn entry_type(p: &FnParam, float: Float) -> TokenStream {
    match p.slice {
        Some(s) => {
            let elem: TokenStream = s.element(float).parse().expect("a type parses");
            quote!(::std::vec::Vec<#elem>)
        }
        None => {
            let ty = p.value_ty();
            quote!(#ty)
        }
    }
}

/// The gradient's type: the parameter's type for one differentiable
/// parameter, else a tuple of them (`Vec<F>` for a slice).
pub fn grad_type(sig: &Signature) -> TokenStream {
    let tys: Vec<_> = sig
        .diff_params()
        .map(|p| entry_type(p, sig.float))
        .collect();
    if tys.len() == 1 {
        tys[0].clone()
    } else {
        quote!((#(#tys),*))
    }
}

/// Whether a differentiable slice parameter gets `f_grad_into`.
pub fn has_slice_grads(sig: &Signature) -> bool {
    sig.diff_params().any(|p| p.slice.is_some())
}

/// `f_grad` and `f_grad_into` for a function with differentiable slices:
/// `f_grad_into` adds the slices' gradients into caller buffers and returns
/// the value and the other gradient entries; `f_grad` allocates the buffers
/// and calls it.
pub fn grad_fn_slices(item: &syn::ItemFn, sig: &Signature, g: &Graph, doc: &str) -> TokenStream {
    let vis = &item.vis;
    let name = &item.sig.ident;
    let grad_name = format_ident!("{}{}", name, GRAD_SUFFIX);
    let into_name = format_ident!("{}{}_into", name, GRAD_SUFFIX);
    let float = syn::Ident::new(sig.float.name(), Span::call_site());
    let ins = inputs(sig);
    let args: Vec<_> = sig.params.iter().map(|p| &p.ident).collect();
    let mut bufs = Vec::new();
    let mut buf_params = Vec::new();
    let mut rest_tys = Vec::new();
    let mut rest_names = Vec::new();
    let mut all = Vec::new();
    for (k, p) in sig.diff_params().enumerate() {
        match p.slice {
            Some(s) => {
                let buf = names::ident(
                    &names::grad_buffer_name(&p.ident.to_string()),
                    p.ident.span(),
                );
                let elem: TokenStream = s.element(sig.float).parse().expect("a type parses");
                let xs = &p.ident;
                let zero = match s.row {
                    None => quote!(0.0),
                    Some(n) => {
                        let n = Literal::usize_unsuffixed(n);
                        quote!([0.0; #n])
                    }
                };
                bufs.push(quote! { let mut #buf: ::std::vec::Vec<#elem> = ::std::vec![#zero; #xs.len()]; });
                buf_params.push((buf.clone(), quote!(&mut [#elem])));
                all.push(quote!(#buf));
            }
            None => {
                let ty = p.value_ty();
                rest_tys.push(quote!(#ty));
                let v = format_ident!("gradient_{}", k);
                rest_names.push(v.clone());
                all.push(quote!(#v));
            }
        }
    }
    let rest_ty = match rest_tys.len() {
        0 => quote!(),
        1 => rest_tys[0].clone(),
        _ => quote!((#(#rest_tys),*)),
    };
    let rest_pat = match rest_names.len() {
        0 => quote!(),
        1 => {
            let v = &rest_names[0];
            quote!(#v)
        }
        _ => quote!((#(#rest_names),*)),
    };
    let all = match all.len() {
        1 => all.remove(0),
        _ => quote!((#(#all),*)),
    };
    let gty = grad_type(sig);
    let buf_ins = buf_params.iter().map(|(b, t)| quote!(#b: #t));
    let buf_args: Vec<_> = buf_params.iter().map(|(b, _)| quote!(&mut #b)).collect();
    // `f_grad_into` returns the value alone when every gradient is a slice's
    let owner = sig.assoc.then(|| quote!(Self::));
    let call = if rest_names.is_empty() {
        quote! { let value = #owner #into_name(#(#args,)* #(#buf_args),*); }
    } else {
        quote! { let (value, #rest_pat) = #owner #into_name(#(#args,)* #(#buf_args),*); }
    };
    let into_ret = if rest_names.is_empty() {
        quote!(#float)
    } else {
        quote!((#float, #rest_ty))
    };
    let body = body_with(g, true);
    let pullback = pullback(item, sig);
    let bound = self_bound(sig);
    let into_doc = format!(
        " Allocation-free form of [`{grad_name}`]: adds the gradient of each differentiable slice \
         into the caller's buffer (`d_<name>`, of the slice's length; it is not zeroed, so repeated calls \
         accumulate) and returns the value with the gradient of the other parameters.\n\n # Panics\n\n \
         If a buffer's length differs from its slice's."
    );
    quote! {
        #item

        #[doc = #doc]
        #[allow(clippy::all, unused_parens, unused_variables, unused_mut)]
        #vis fn #grad_name(#ins) -> (#float, #gty) #bound {
            #(#bufs)*
            #call
            (value, #all)
        }

        #[doc = #into_doc]
        #[allow(clippy::all, unused_parens, unused_variables, unused_mut, unused_assignments)]
        #vis fn #into_name(#ins, #(#buf_ins),*) -> #into_ret #bound {
            #body
        }

        #pullback
    }
}

/// `x: f64, y: [f64; 3]` as they appear in generated signatures.
pub fn inputs(sig: &Signature) -> TokenStream {
    let ps = sig.params.iter().map(|p| {
        let (id, ty) = (&p.ident, &p.ty);
        // a receiver as Rust writes it: `&self`, `self`
        match (p.ident == "self", p.by_ref) {
            (true, true) => quote!(&#id),
            (true, false) => quote!(#id),
            (false, _) => quote!(#id: #ty),
        }
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
    let bound = self_bound(sig);
    quote! {
        #item

        #[doc = #doc]
        #[allow(clippy::all, unused_parens, unused_variables)]
        #vis fn #grad_name(#ins) -> (#float, #gty) #bound {
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
            tys.push(entry_type(p, sig.float));
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
    if sig.assoc {
        // a method or associated function: an item of the same `impl`
        let pb = format_ident!("{}", names::assoc_pullback(&name.to_string()));
        let doc = doc.replace(&format!("[`{name}`]"), &format!("[`Self::{name}`]"));
        let bound = self_bound(sig);
        return quote! {
            #[doc = #doc]
            #[doc(hidden)]
            #[inline]
            #[allow(dead_code)]
            #vis fn #pb(#ins) -> (#float, (#(#tys,)*)) #bound {
                let _ = Self::#name;
                let (value, gradient) = Self::#grad_name(#(#args),*);
                (value, (#(#exprs,)*))
            }
        };
    }
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

        // the pullback mirrors the user's signature: the user's own
        // `#[allow]`s on the function do not reach it
        #[allow(dead_code, clippy::too_many_arguments)]
        impl #name {
            #pb_fn

            #[doc(hidden)]
            #[inline(always)]
            pub fn has_derivative() {}
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
