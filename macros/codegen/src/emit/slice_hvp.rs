//! `f::hvp_into` on the hidden type of a free function `f` returning one
//! float over a differentiable slice, under `#[differentiable(hvp)]`: what
//! a caller with `hvp` passing a slice on calls in the forward sweep over
//! its reverse one, the tangent of the `f::vjp_into` call its reverse
//! sweep makes (see `diff::vcall::forward_vjp`).
//!
//! The caller's reverse sweep adds `u·∇f` into its gradient buffers (`u`
//! the adjoint of the call's value); along the caller's direction the
//! tangent of that is `u̇·∇f + u·H·ẋ`, with `ẋ` the arguments' tangents.
//! `f::hvp_into` takes the arguments, `u`, their tangents, `u̇` and one
//! sink per parameter, each a tuple so that its arity is fixed (the
//! fallback of a callee without a derivative has it too):
//!
//! ```text
//! fn hvp_into<D0: SliceTangent<F>, S0: GradSink<F>>(
//!     args: (&[F], F), cotangent: F, tangents: (D0, F), cotangent_tangent: F, sinks: (S0, ()),
//! ) -> ((), F)   // the tangent of each gradient entry, `()` for slices and `#[nograd]` ones
//! ```
//!
//! It calls `f_hvp_into` with scratch buffers of each slice's length and
//! adds `u̇·g + u·h` into the sink (the caller's H·v buffer, or `()` for
//! a `#[nograd]` slice passed on: a scratch buffer); the caller's gradient
//! buffers get `u·g` from its `vjp_into` call, not from here. One
//! evaluation of `f`'s HVP and two scratch buffers per slice, per call.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::entry_type;
use super::names::HVP_INTO_CALL;
use crate::types::Signature;

/// `f::hvp_into` of the free function `item` over a differentiable slice
/// returning one float (see the module docs).
pub fn hidden_hvp_into(item: &syn::ItemFn, sig: &Signature) -> TokenStream {
    let name = &item.sig.ident;
    let into_name = format_ident!("{}_hvp_into", name);
    let f = syn::Ident::new(HVP_INTO_CALL, Span::call_site());
    let float = syn::Ident::new(sig.float.name(), Span::call_site());
    let private = quote!(::macrograd::__private);
    let (u, du) = (
        format_ident!("__macrograd_cotangent"),
        format_ident!("__macrograd_cotangent_tangent"),
    );
    let args: Vec<&syn::Ident> = sig.params.iter().map(|p| &p.ident).collect();
    let arg_tys: Vec<&syn::Type> = sig.params.iter().map(|p| &p.ty).collect();
    let (mut generics, mut tan_tys, mut tan_pats, mut sink_tys, mut sink_pats) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut setup, mut dirs, mut bufs, mut adds) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // the fixed-size parameters' gradient and H·v names, and each
    // parameter's returned entry
    let (mut rest_g, mut rest_h, mut entries, mut entry_tys) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (k, p) in sig.params.iter().enumerate() {
        let t = format_ident!("__macrograd_tangent_{}", k);
        if p.nograd {
            let ty = format_ident!("T{}", k);
            generics.push(quote!(#ty));
            tan_tys.push(quote!(#ty));
            tan_pats.push(quote!(_));
            sink_tys.push(quote!(()));
            sink_pats.push(quote!(_));
            entries.push(quote!(()));
            entry_tys.push(quote!(()));
            continue;
        }
        let Some(s) = p.slice else {
            let ty = entry_type(p, sig.float);
            tan_tys.push(ty.clone());
            entry_tys.push(ty.clone());
            tan_pats.push(quote!(#t));
            sink_tys.push(quote!(()));
            sink_pats.push(quote!(_));
            dirs.push(quote!(#t));
            let (gk, hk) = (
                format_ident!("__macrograd_gradient_{}", k),
                format_ident!("__macrograd_hv_{}", k),
            );
            entries.push(match p.len {
                // a tuple is no `Differentiable`: part by part
                Some(n) if p.tuple => {
                    let parts = (0..n).map(|i| {
                        let i = syn::Index::from(i);
                        quote!(#du * #gk.#i + #u * #hk.#i)
                    });
                    quote!((#(#parts,)*))
                }
                // a struct's entry through `Differentiable`, a float's or
                // an array's through `HvCombine` (bounded on `Float` alone,
                // for a body generic over `T: Float`)
                _ if p.strukt => quote!(#private::hv_entry(#u, #du, &#gk, &#hk)),
                _ => quote!(<#ty as #private::HvCombine<#float>>::combine(#u, #du, &#gk, &#hk)),
            });
            rest_g.push(gk);
            rest_h.push(hk);
            continue;
        };
        let xs = &p.ident;
        let elem: TokenStream = s.element(sig.float).parse().expect("a type parses");
        let zero = match s.row {
            None => quote!(0.0),
            Some(n) => {
                let n = Literal::usize_unsuffixed(n);
                quote!([0.0; #n])
            }
        };
        let (dty, sty) = (format_ident!("D{}", k), format_ident!("S{}", k));
        generics.push(quote!(#dty: #private::SliceTangent<#elem>));
        generics.push(quote!(#sty: #private::GradSink<#elem>));
        tan_tys.push(quote!(#dty));
        tan_pats.push(quote!(#t));
        let sink = format_ident!("__macrograd_sink_{}", k);
        sink_tys.push(quote!(#sty));
        sink_pats.push(quote!(mut #sink));
        let out = format_ident!("__macrograd_out_{}", k);
        let (scratch_t, scratch_s, d, hv) = (
            format_ident!("__macrograd_zeros_{}", k),
            format_ident!("__macrograd_scratch_{}", k),
            format_ident!("__macrograd_d_{}", k),
            format_ident!("__macrograd_hv_{}", k),
        );
        setup.push(quote! {
            let mut #scratch_t = ::std::vec::Vec::new();
            let #t = #private::SliceTangent::tangent(&#t, &mut #scratch_t, #xs.len());
            let mut #d: ::std::vec::Vec<#elem> = ::std::vec![#zero; #xs.len()];
            let mut #hv: ::std::vec::Vec<#elem> = ::std::vec![#zero; #xs.len()];
        });
        dirs.push(quote!(#t));
        bufs.push(quote!(&mut #d));
        adds.push(quote! {
            let mut #scratch_s = ::std::vec::Vec::new();
            let #out = #private::GradSink::buffer(&mut #sink, &mut #scratch_s, #xs.len());
            #private::add_hv_slice(#out, #u, #du, &#d, &#hv);
        });
        bufs.push(quote!(&mut #hv));
        entries.push(quote!(()));
        entry_tys.push(quote!(()));
    }
    let tuple = |v: &[syn::Ident]| match v.len() {
        1 => {
            let x = &v[0];
            quote!(#x)
        }
        _ => quote!((#(#v),*)),
    };
    // `f_hvp_into` returns the value alone when every differentiable
    // parameter is a slice
    let pat = if rest_g.is_empty() {
        quote!(_)
    } else {
        let (g, h) = (tuple(&rest_g), tuple(&rest_h));
        quote!((_, #g, #h))
    };
    let dir = match dirs.len() {
        1 => dirs[0].clone(),
        _ => quote!((#(#dirs),*)),
    };
    let doc = format!(
        " The tangent of [`{name}`]'s hidden `vjp_into` for differentiable callers with `hvp` passing a \
         slice on: adds `cotangent_tangent·∇{name} + cotangent·H·tangent` of each slice into its sink and \
         returns that of each other parameter (`()` for slices and `#[nograd]` ones). Generated by macrograd."
    );
    quote_spanned! {name.span()=>
        #[allow(dead_code, clippy::too_many_arguments, clippy::type_complexity)]
        impl #name {
            #[doc = #doc]
            #[inline]
            pub fn #f<#(#generics),*>(
                (#(#args,)*): (#(#arg_tys,)*),
                #u: #float,
                (#(#tan_pats,)*): (#(#tan_tys,)*),
                #du: #float,
                (#(#sink_pats,)*): (#(#sink_tys,)*),
            ) -> (#(#entry_tys,)*) {
                #(#setup)*
                let #pat = #into_name(#(#args,)* #dir, #(#bufs),*);
                #(#adds)*
                (#(#entries,)*)
            }
        }
    }
}
