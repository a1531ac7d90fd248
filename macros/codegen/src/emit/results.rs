//! The parts of the derived functions specific to a struct result
//! (`-> State`): its value and tangent as struct values (with the parts
//! `..base` copies), the cotangent of those parts added into the
//! parameter's gradient, and the Jacobian's rows put in the struct's
//! declaration order.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote};

use super::body::Writer;
use super::names;
use crate::ir::{NodeId, Op};
use crate::types::{Seg, Signature};

/// What each part a struct result copies whole copies, with its place in
/// the result, outer parts first: a struct parameter's part by `..base`
/// (see [`Graph::out_rests`]), `s.arm`, then a call's struct result bound
/// to a name (see [`Graph::out_results`]), `p`.
///
/// [`Graph::out_rests`]: crate::ir::Graph::out_rests
/// [`Graph::out_results`]: crate::ir::Graph::out_results
pub(super) fn rest_values<'g>(w: &mut Writer<'g>) -> Bases<'g> {
    let g = w.g;
    let mut bases: Bases<'g> = g
        .out_rests
        .iter()
        .map(|r| {
            let p = &g.params[r.param];
            let x = names::ident(&p.name, p.span);
            let path = super::structs::seg_tokens(&r.target, p.span);
            let value = if p.by_ref {
                quote!((*#x) #path)
            } else {
                quote!(#x #path)
            };
            (r.source.as_slice(), value)
        })
        .collect();
    for r in &g.out_results {
        let Op::Call(c) = g.op(r.call) else {
            unreachable!("a struct result is a call's")
        };
        let p = w.names.of(g, c.value);
        let path = super::structs::seg_tokens(&r.target, p.span());
        bases.push((r.source.as_slice(), quote!(#p #path)));
    }
    outer_first(bases)
}

/// The tangent of each part a struct result copies whole (see
/// [`rest_values`]): the part of the parameter's tangent
/// (`tangent_s.arm`), zero for a `#[nograd]` one; the producer's result
/// tangent, read after the tangents of the result's own floats in
/// [`Graph::extra`](crate::ir::Graph::extra).
pub(super) fn rest_tangents<'g>(w: &mut Writer<'g>, sig: &Signature, dir: &str) -> Bases<'g> {
    let g = w.g;
    let several = sig.diff_params().count() > 1;
    let mut bases: Bases<'g> = g
        .out_rests
        .iter()
        .map(|r| {
            let p = &g.params[r.param];
            if !p.diff {
                return (r.source.as_slice(), TokenStream::new());
            }
            let t = match several {
                true => format_ident!("{}_{}", dir, p.name.trim_start_matches("r#")),
                false => syn::Ident::new(dir, Span::call_site()),
            };
            let path = super::structs::seg_tokens(&r.target, p.span);
            (r.source.as_slice(), quote!(#t #path))
        })
        .collect();
    let tangents = g.extra.get(g.outs.len()..).unwrap_or_default();
    for (r, &t) in g.out_results.iter().zip(tangents) {
        // (a constant 0 where the producer has no tangent)
        let tangent = match g.op(t) {
            Op::Result(call) => {
                let t = w.result_tangent(*call);
                let path = super::structs::seg_tokens(&r.target, g.node(r.out).span);
                quote!(#t #path)
            }
            _ => TokenStream::new(),
        };
        bases.push((r.source.as_slice(), tangent));
    }
    outer_first(bases)
}

/// What a struct result copies whole, by its place in the result (see
/// [`rest_values`]); an empty value copies nothing (a zero stays).
pub(super) type Bases<'g> = Vec<(&'g [Seg], TokenStream)>;

/// `bases` ordered outer parts first (by the length of their place, the
/// order they were listed kept among equals): an inner part overwrites
/// what an outer one copied.
fn outer_first(mut bases: Bases<'_>) -> Bases<'_> {
    bases.sort_by_key(|(source, _)| source.len());
    bases
}

/// A value of a struct result holding `nodes` at its paths:
/// `{ let mut result = <State as Differentiable>::zero(); result.theta = a; …; result }`,
/// with each part `..base` first copied from `bases` (zero where empty).
pub(super) fn struct_value(
    w: &mut Writer<'_>,
    nodes: &[NodeId],
    bases: &[(&[Seg], TokenStream)],
) -> TokenStream {
    let g = w.g;
    let Some((ty, paths)) = &g.out_struct else {
        unreachable!("a struct value of a function returning a struct")
    };
    let r = w.names.fresh("result");
    // outer parts first: an inner `..s.arm` overwrites what `..s` copied
    let mut init = quote!(<#ty as ::macrograd::Differentiable>::zero());
    let mut copies = Vec::new();
    for (source, b) in bases {
        if b.is_empty() {
            continue;
        }
        let value = quote!(::core::clone::Clone::clone(&#b));
        if source.is_empty() && copies.is_empty() {
            init = value;
            continue;
        }
        let at = super::structs::seg_tokens(source, Span::call_site());
        copies.push(quote!(#r #at = #value;));
    }
    let sets: Vec<TokenStream> = paths
        .iter()
        .zip(nodes)
        .map(|(p, &n)| {
            let path = super::field_tokens(p, p.span);
            let e = w.output(n);
            quote!(#r #path = #e;)
        })
        .collect();
    quote!({
        let mut #r: #ty = #init;
        #(#copies)*
        #(#sets)*
        #r
    })
}

/// The Jacobian of a struct result, [`Graph::extra`] row by row in the
/// order the body's literal writes the fields, with its rows put in the
/// struct's declaration order (which the macro cannot see): each column
/// becomes a value of the struct, whose floats
/// `Differentiable::for_each_float` visits in that order.
///
/// ```text
/// { let mut jacobian: [[F; n]; m] = [[0.0; n]; m];
///   for (j, column) in [State { … }, …].iter().enumerate() {
///       let mut i = 0;
///       Differentiable::for_each_float(column, &mut |x| { jacobian[i][j] = x; i += 1; });
///   }
///   jacobian }
/// ```
pub(super) fn struct_jacobian(w: &mut Writer<'_>, float: &syn::Ident, n: usize) -> TokenStream {
    let g = w.g;
    let m = g.outs.len();
    let columns: Vec<TokenStream> = (0..n)
        .map(|j| {
            let nodes: Vec<NodeId> = (0..m).map(|i| g.extra[i * n + j]).collect();
            struct_value(w, &nodes, &[])
        })
        .collect();
    let (jac, col, i, j) = (
        w.names.fresh("jacobian"),
        w.names.fresh("column"),
        w.names.fresh("row"),
        w.names.fresh("col"),
    );
    let (nn, mm) = (Literal::usize_unsuffixed(n), Literal::usize_unsuffixed(m));
    quote!({
        let mut #jac: [[#float; #nn]; #mm] = [[0.0; #nn]; #mm];
        for (#j, #col) in [#(#columns),*].iter().enumerate() {
            let mut #i = 0;
            ::macrograd::Differentiable::for_each_float(#col, &mut |x| {
                #jac[#i][#j] = x;
                #i += 1;
            });
        }
        #jac
    })
}

/// The gradient `entry` of struct parameter `k` with the parts of the
/// cotangent that a struct result copies from it by `..base` added (the
/// fields the literal writes over them zeroed first): their derivative is
/// the identity.
///
/// ```text
/// { let mut d_s = entry;
///   { let mut part = cotangent.arm.clone(); part.l1 = zero(); d_s.arm.add_scaled(1.0, &part); }
///   d_s }
/// ```
pub(super) fn with_rest_cotangents(
    w: &mut Writer<'_>,
    k: usize,
    entry: TokenStream,
    cotangent: Option<&syn::Ident>,
) -> TokenStream {
    let g = w.g;
    let Some(c) = cotangent else { return entry };
    let rests: Vec<_> = g.out_rests.iter().filter(|r| r.param == k).collect();
    if rests.is_empty() {
        return entry;
    }
    let span = g.params[k].span;
    let (d, part) = (w.names.fresh("gradient"), w.names.fresh("part"));
    let adds = rests.iter().map(|r| {
        let target = super::structs::seg_tokens(&r.target, span);
        let source = super::structs::seg_tokens(&r.source, span);
        let zero = r.zero.iter().map(|z| {
            let z = super::structs::seg_tokens(z, span);
            quote!(#part #z = ::macrograd::Differentiable::zero();)
        });
        quote! {{
            let mut #part = ::core::clone::Clone::clone(&#c #source);
            #(#zero)*
            ::macrograd::Differentiable::add_scaled(&mut #d #target, 1.0, &#part);
        }}
    });
    quote!({
        let mut #d = #entry;
        #(#adds)*
        #d
    })
}
