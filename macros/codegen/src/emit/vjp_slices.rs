//! `name_vjp` and `name_vjp_into` of a function returning `[F; m]` (or a
//! tuple) with a differentiable parameter of run-time length, from the VJP
//! graph (see `diff::higher::vjp`):
//!
//! ```text
//! fn f_vjp_into(params, cotangent, d_xs: &mut [F]) -> [F; m]   // or ([F; m], rest)
//! fn f_vjp(params, cotangent) -> ([F; m], gradient)           // allocates, calls it
//! ```
//!
//! `f_vjp_into` adds `cotangentᵀ·J` of each slice into the caller's
//! buffer (never zeroed), like `f_grad_into`, and returns the value with
//! the gradient of the parameters of fixed size, if any. A Jacobian over
//! a slice would have run-time size: [`no_jacobian`] stands in for it.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::names::VJP_INTO_CALL;

use super::body::Writer;
use super::higher::{length_check, value, value_type};
use super::{grad_type, inputs, names};
use crate::diff::higher::fresh_name;
use crate::ir::{Graph, NodeId};
use crate::types::Signature;

/// `name_vjp` and `name_vjp_into` of `item` from its VJP graph `g`.
pub fn vjp_slices(item: &syn::ItemFn, sig: &Signature, g: &Graph, doc: &str) -> TokenStream {
    let vis = &item.vis;
    let name = format_ident!("{}_vjp", item.sig.ident);
    let into_name = format_ident!("{}_vjp_into", item.sig.ident);
    let gty = grad_type(sig);
    let vty = value_type(sig);
    let ins = inputs(sig);
    let taken: Vec<String> = sig.params.iter().map(|p| p.ident.to_string()).collect();
    let diff: Vec<String> = sig.diff_params().map(|p| p.ident.to_string()).collect();
    let c = syn::Ident::new(&fresh_name(&taken, &diff, "cotangent"), Span::call_site());
    let mut prelude = Vec::new();
    for p in g.params.iter().filter(|p| p.by_ref) {
        let x = names::ident(&p.name, p.span);
        prelude.push(quote! { let #x = *#x; });
    }
    let (mut buf_ins, mut bufs, mut buf_args, mut all) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut rest_tys, mut rest, mut rest_names) = (Vec::new(), Vec::new(), Vec::new());
    let mut w = Writer::new(g);
    let grads: Vec<NodeId> = g.grads.iter().flatten().copied().collect();
    let mut at = 0;
    for (k, p) in sig.diff_params().enumerate() {
        if let Some(s) = p.slice {
            let xs = &p.ident;
            let elem: TokenStream = s.element(sig.float).parse().expect("a type parses");
            let zero = match s.row {
                None => quote!(0.0),
                Some(n) => {
                    let n = Literal::usize_unsuffixed(n);
                    quote!([0.0; #n])
                }
            };
            let b = names::ident(&names::grad_buffer_name(&xs.to_string()), xs.span());
            prelude.push(length_check(xs, &b, "output buffer"));
            buf_ins.push(quote!(#b: &mut [#elem]));
            bufs.push(
                quote! { let mut #b: ::std::vec::Vec<#elem> = ::std::vec![#zero; #xs.len()]; },
            );
            buf_args.push(quote!(&mut #b));
            all.push(quote!(#b));
            continue;
        }
        let len = p.len.unwrap_or(1);
        let elems: Vec<TokenStream> = grads[at..at + len].iter().map(|&n| w.output(n)).collect();
        at += len;
        rest.push(match p.len {
            None => elems[0].clone(),
            Some(_) if p.tuple => quote!((#(#elems,)*)),
            Some(_) => quote!([#(#elems),*]),
        });
        let ty = p.value_ty();
        rest_tys.push(quote!(#ty));
        let gk = format_ident!("gradient_{}", k);
        all.push(quote!(#gk));
        rest_names.push(gk);
    }
    let tuple = |v: &[TokenStream]| match v.len() {
        1 => v[0].clone(),
        _ => quote!((#(#v),*)),
    };
    let v = value(&mut w, g, sig);
    let (into_ty, into_ret, pat) = if rest.is_empty() {
        (vty.clone(), v, quote!(value))
    } else {
        let names: Vec<TokenStream> = rest_names.iter().map(|n| quote!(#n)).collect();
        let (t, r, n) = (tuple(&rest_tys), tuple(&rest), tuple(&names));
        (quote!((#vty, #t)), quote!((#v, #r)), quote!((value, #n)))
    };
    let body = w.body(into_ret);
    let args = sig.params.iter().map(|p| &p.ident);
    let all = tuple(&all);
    let into_doc = format!(
        " Allocation-free form of [`{name}`]: adds `cotangentᵀ·J` of each differentiable slice `xs` into the \
         caller's buffer `d_xs` (of the slice's length; it is not zeroed, so repeated calls accumulate, as \
         `{}_grad_into` does for a scalar function) and returns the value with the VJP of the other \
         differentiable parameters.\n\n # Panics\n\n If a buffer's length differs from its slice's.",
        item.sig.ident
    );
    // a free function's hidden `f::vjp_into` for callers passing a slice on
    let hidden = if sig.assoc || sig.out_struct.is_some() {
        TokenStream::new()
    } else {
        hidden_vjp_into(item, sig, &c, &pat, &rest_names)
    };
    quote! {
        #hidden

        #[doc = #doc]
        #[allow(clippy::all, unused_parens, unused_variables, unused_mut, dead_code)]
        #vis fn #name(#ins, #c: #vty) -> (#vty, #gty) {
            #(#bufs)*
            let #pat = #into_name(#(#args,)* #c, #(#buf_args),*);
            (value, #all)
        }

        #[doc = #into_doc]
        #[allow(clippy::all, unused_parens, unused_variables, unused_mut, unused_assignments, dead_code)]
        #vis fn #into_name(#ins, #c: #vty, #(#buf_ins),*) -> #into_ty {
            #(#prelude)*
            #body
        }
    }
}

/// `f::vjp_into` on `f`'s hidden type: [`vjp_slices`]' `f_vjp_into` with
/// one gradient sink per parameter (a `GradSink` for a differentiable
/// slice: the caller's buffer, or `()` for a scratch buffer; `()` for
/// every other parameter) and, as `f::pullback`, one gradient entry per
/// parameter (`()` for slices and `#[nograd]` ones):
///
/// ```text
/// fn vjp_into<S1: GradSink<F>>(w: F, xs: &[F], cotangent: F, _: (), mut sink_1: S1) -> (F, (F, ()))
/// ```
///
/// `pat` binds `f_vjp_into`'s result to `value` and `rest` (the other
/// parameters' entries, by position among the differentiable ones).
fn hidden_vjp_into(
    item: &syn::ItemFn,
    sig: &Signature,
    c: &syn::Ident,
    pat: &TokenStream,
    rest: &[syn::Ident],
) -> TokenStream {
    let name = &item.sig.ident;
    let into_name = format_ident!("{}_vjp_into", name);
    let f = syn::Ident::new(VJP_INTO_CALL, Span::call_site());
    let vty = value_type(sig);
    let ins = inputs(sig);
    let args: Vec<&syn::Ident> = sig.params.iter().map(|p| &p.ident).collect();
    let (mut generics, mut sinks, mut setup, mut bufs) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut tys, mut entries) = (Vec::new(), Vec::new());
    let mut diff = 0;
    for (k, p) in sig.params.iter().enumerate() {
        let sink = format_ident!("__macrograd_sink_{}", k);
        match p.slice {
            Some(s) if !p.nograd => {
                let elem: TokenStream = s.element(sig.float).parse().expect("a type parses");
                let ty = format_ident!("S{}", k);
                let (scratch, buf) = (
                    format_ident!("__macrograd_scratch_{}", k),
                    format_ident!("__macrograd_d_{}", k),
                );
                let xs = &p.ident;
                generics.push(quote!(#ty: ::macrograd::__private::GradSink<#elem>));
                sinks.push(quote!(mut #sink: #ty));
                setup.push(quote! {
                    let mut #scratch = ::std::vec::Vec::new();
                    let #buf = ::macrograd::__private::GradSink::buffer(&mut #sink, &mut #scratch, #xs.len());
                });
                bufs.push(quote!(#buf));
                tys.push(quote!(()));
                entries.push(quote!(()));
                diff += 1;
            }
            _ => {
                sinks.push(quote!(_: ()));
                if p.nograd {
                    tys.push(quote!(()));
                    entries.push(quote!(()));
                } else {
                    let ty = p.value_ty();
                    tys.push(quote!(#ty));
                    let pos = sig
                        .diff_params()
                        .take(diff)
                        .filter(|q| q.slice.is_none())
                        .count();
                    let g = &rest[pos];
                    entries.push(quote!(#g));
                    diff += 1;
                }
            }
        }
    }
    let doc = format!(
        " The VJP of [`{name}`] for differentiable callers passing a slice on: adds `cotangent`·∂{name}/∂xs \
         into each slice's sink (the caller's gradient buffer, or a scratch buffer of the slice's length \
         for `()`) and returns the value with one gradient entry per other parameter (`()` for slices and \
         `#[nograd]` ones). Generated by macrograd."
    );
    // a function returning an array has no hidden type otherwise (one
    // returning a float has `f::pullback`'s)
    let (ty, check) = if sig.out_len.is_some() {
        let vis = &item.vis;
        (
            quote! {
                #[doc(hidden)]
                #[allow(non_camel_case_types, dead_code)]
                #vis struct #name {}
            },
            quote! {
                #[doc(hidden)]
                #[inline(always)]
                pub fn has_derivative() {}
            },
        )
    } else {
        (TokenStream::new(), TokenStream::new())
    };
    // bound by `pat`, spanned like it (not on the name, which may come
    // from a `macro_rules!` with its own hygiene)
    let value = syn::Ident::new("value", Span::call_site());
    quote_spanned! {name.span()=>
        #ty

        #[allow(dead_code, clippy::too_many_arguments, clippy::type_complexity)]
        impl #name {
            #check

            #[doc = #doc]
            #[inline]
            pub fn #f<#(#generics),*>(#ins, #c: #vty, #(#sinks),*) -> (#vty, (#(#tys,)*)) {
                let _ = #name;
                #(#setup)*
                let #pat = #into_name(#(#args,)* #c, #(#bufs),*);
                (#value, (#(#entries,)*))
            }
        }
    }
}

/// `f::jvp` on the hidden type of a free function `f` over a
/// differentiable slice, for differentiable callers passing a slice on
/// (their forward sweep): `f_jvp` with one tangent per parameter, a
/// `SliceTangent` for a differentiable slice (the caller's direction, or
/// `()` for zero: a scratch buffer of zeros), anything for a `#[nograd]`
/// parameter, the parameter's type otherwise:
///
/// ```text
/// fn jvp<D0: SliceTangent<F>, T2>(xs: &[F], w: F, ys: &[F], tangent_0: D0, tangent_1: F, _: T2) -> (F, F)
/// ```
pub fn hidden_jvp(item: &syn::ItemFn, sig: &Signature) -> TokenStream {
    let name = &item.sig.ident;
    let jvp_name = format_ident!("{}_jvp", name);
    let f = syn::Ident::new(super::names::JVP_CALL, Span::call_site());
    let vty = value_type(sig);
    let ins = inputs(sig);
    let args: Vec<&syn::Ident> = sig.params.iter().map(|p| &p.ident).collect();
    let taken: Vec<String> = sig.params.iter().map(|p| p.ident.to_string()).collect();
    let (mut generics, mut tan_ins, mut setup, mut parts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (k, p) in sig.params.iter().enumerate() {
        let t = syn::Ident::new(
            &fresh_name(&taken, &[], &format!("tangent_{k}")),
            Span::call_site(),
        );
        if p.nograd {
            let ty = format_ident!("T{}", k);
            tan_ins.push(quote!(_: #ty));
            generics.push(quote!(#ty));
            continue;
        }
        match p.slice {
            Some(s) => {
                let elem: TokenStream = s.element(sig.float).parse().expect("a type parses");
                let ty = format_ident!("D{}", k);
                let scratch = format_ident!("__macrograd_scratch_{}", k);
                let xs = &p.ident;
                generics.push(quote!(#ty: ::macrograd::__private::SliceTangent<#elem>));
                tan_ins.push(quote!(#t: #ty));
                setup.push(quote! {
                    let mut #scratch = ::std::vec::Vec::new();
                    let #t = ::macrograd::__private::SliceTangent::tangent(&#t, &mut #scratch, #xs.len());
                });
            }
            None => {
                let ty = p.value_ty();
                tan_ins.push(quote!(#t: #ty));
            }
        }
        parts.push(t);
    }
    let tangent = match parts.len() {
        1 => {
            let t = &parts[0];
            quote!(#t)
        }
        _ => quote!((#(#parts),*)),
    };
    let doc = format!(
        " The JVP of [`{name}`] for differentiable callers passing a slice on: one tangent per parameter \
         (a slice's direction, or `()` for a zero one; anything for `#[nograd]` parameters). Generated by macrograd."
    );
    quote_spanned! {name.span()=>
        #[allow(dead_code, clippy::too_many_arguments, clippy::type_complexity)]
        impl #name {
            #[doc = #doc]
            #[inline]
            pub fn #f<#(#generics),*>(#ins, #(#tan_ins),*) -> (#vty, #vty) {
                #(#setup)*
                #jvp_name(#(#args,)* #tangent)
            }
        }
    }
}

/// Why a function has no `name_jacobian`: the runtime trait whose
/// message says so (see [`no_jacobian`]).
#[derive(Clone, Copy)]
pub enum NoJacobian {
    /// A differentiable slice: the Jacobian would have run-time size.
    OverSlice,
}

/// `name_jacobian` of a function that has none: not callable. Its first
/// parameter's bound has no implementation, and the bound's message says
/// why and what to call instead.
pub fn no_jacobian(item: &syn::ItemFn, sig: &Signature, why: NoJacobian) -> TokenStream {
    let vis = &item.vis;
    let name = format_ident!("{}_jacobian", item.sig.ident);
    let generics: Vec<syn::Ident> = (0..sig.params.len())
        .map(|k| format_ident!("A{}", k))
        .collect();
    let first = &generics[0];
    let others = &generics[1..];
    let bound = match why {
        NoJacobian::OverSlice => quote!(JacobianOverSlice),
    };
    quote! {
        /// Not callable: this function has no Jacobian (a matrix of
        /// run-time size); its bound says what to call.
        #[doc(hidden)]
        #[allow(dead_code, clippy::too_many_arguments)]
        #vis fn #name<#first: ::macrograd::__private::#bound, #(#others,)* O>(#(_: #generics),*) -> O {
            unreachable!("the bound has no implementation")
        }
    }
}

/// `f::vjp_into` of a free function with a `#[nograd]` slice parameter
/// and no differentiable one: not callable. A differentiable caller
/// passing its slice on reaches it (it cannot tell the callee's parameter
/// is `#[nograd]`); the gradient sink of each `#[nograd]` slice parameter
/// has a bound, implemented only for `()` (what a caller passes for an
/// argument that is no differentiable slice), whose message names the
/// parameter and says what to write, on the argument:
///
/// ```text
/// #[diagnostic::on_unimplemented(message = "`total`'s parameter `xs` is `#[nograd]`: …")]
/// trait __macrograd_total_nograd_slice_0 {}
/// impl __macrograd_total_nograd_slice_0 for () {}
/// impl total {
///     pub fn vjp_into<A0, A1, C, S0: __macrograd_total_nograd_slice_0, S1, O>(_: A0, _: A1, _: C, _: S0, _: S1) -> O
///     pub fn jvp<A0, A1, T0, T1>(_: A0, _: A1, _: T0, _: T1) -> (f64, f64)   // the caller's `name_jvp`'s
///     pub fn hvp_into<A, C, T, D, S, O>(_: A, _: C, _: T, _: D, _: S) -> O  // its `name_hvp`'s
/// }
/// ```
///
/// Nothing for a method, or for a function without such a parameter.
pub fn nograd_slice_vjp_into(item: &syn::ItemFn, sig: &Signature) -> TokenStream {
    let nograd = |p: &&crate::types::FnParam| p.slice.is_some() && p.nograd;
    if sig.assoc
        || sig.params.iter().any(|p| p.slice.is_some() && !p.nograd)
        || !sig.params.iter().any(|p| nograd(&p))
    {
        return TokenStream::new();
    }
    let name = &item.sig.ident;
    let shown = name.to_string();
    let shown = shown.trim_start_matches("r#");
    let vis = &item.vis;
    let n = sig.params.len();
    let (args, _) = super::missing::any_params(n);
    let sinks: Vec<syn::Ident> = (0..n).map(|k| format_ident!("S{}", k)).collect();
    let mut traits = Vec::new();
    let mut bounds = Vec::new();
    for (k, p) in sig.params.iter().enumerate() {
        if !nograd(&p) {
            bounds.push(quote!());
            continue;
        }
        let tr = format_ident!("__macrograd_{}_nograd_slice_{}", shown, k);
        let xs = p.ident.to_string();
        let xs = xs.trim_start_matches("r#");
        let message = format!(
            "`{shown}`'s parameter `{xs}` is `#[nograd]`: a differentiable slice cannot be passed to it"
        );
        let label = format!("a differentiable slice passed to `#[nograd] {xs}` of `{shown}`");
        let note = format!(
            "mark the slice parameter passed here `#[nograd]` too, or remove `#[nograd]` from `{xs}` in `fn {shown}`"
        );
        let doc = format!(
            " Not implemented for a gradient buffer: `{shown}`'s `#[nograd]` slice `{xs}` takes no differentiable slice. Generated by macrograd."
        );
        traits.push(quote_spanned! {name.span()=>
            #[doc = #doc]
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            #vis trait #tr {}
            impl #tr for () {}
        });
        bounds.push(quote!(: #tr));
    }
    let f = syn::Ident::new(VJP_INTO_CALL, Span::call_site());
    // the caller's `name_jvp` reaches `f::jvp` too: of the value's type
    // (nothing for the caller to infer), and without a bound, so that the
    // mistake is one error (a function returning several floats has its
    // own, see `vector_items`)
    let jvp = if sig.out_len.is_none() && sig.out_struct.is_none() {
        let vty = value_type(sig);
        let tangents: Vec<syn::Ident> = (0..n).map(|k| format_ident!("T{}", k)).collect();
        let jvp = syn::Ident::new(super::names::JVP_CALL, Span::call_site());
        quote! {
            /// Not callable: reached beside `vjp_into`, whose bound says why.
            #[doc(hidden)]
            pub fn #jvp<#(#args,)* #(#tangents),*>(#(_: #args,)* #(_: #tangents),*) -> (#vty, #vty) {
                unreachable!("the bound of `vjp_into` beside this function has no implementation")
            }
        }
    } else {
        TokenStream::new()
    };
    // and, with `hvp`, `f::hvp_into`: unbounded too
    let hvp_into = syn::Ident::new(super::names::HVP_INTO_CALL, Span::call_site());
    quote_spanned! {name.span()=>
        #(#traits)*

        #[allow(dead_code, clippy::too_many_arguments)]
        impl #name {
            /// Not callable: a differentiable caller passing a slice to a
            /// `#[nograd]` slice parameter reaches it, and its bound says so.
            #[doc(hidden)]
            pub fn #f<#(#args,)* C, #(#sinks #bounds,)* O>(#(_: #args,)* _: C, #(_: #sinks),*) -> O {
                unreachable!("the bound of this function has no implementation")
            }

            #jvp

            /// Not callable: reached beside `vjp_into`, whose bound says why.
            #[doc(hidden)]
            pub fn #hvp_into<A, C, T, D, S, O>(_: A, _: C, _: T, _: D, _: S) -> O {
                unreachable!("the bound of `vjp_into` beside this function has no implementation")
            }
        }
    }
}
