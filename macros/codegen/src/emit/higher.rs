//! The derived functions beside a `#[differentiable]` function, each written
//! from its own graph (see `diff::higher`):
//!
//! ```text
//! fn f_jvp(params, tangent) -> (V, V)                // V = F or [F; m]
//! fn f_vjp(params, cotangent: V) -> (V, gradient)             // V = [F; m] or a struct
//! fn f_jacobian(params) -> (V, [[F; n]; m])                  // V = [F; m] or a struct
//! fn f_hessian(params) -> (F, gradient, [[F; n]; n])          // `hessian` only
//! fn f_hvp(params, v) -> (F, gradient, gradient)              // `hessian` only
//! fn f_vjp_jvp(params, cotangent: [F; m], tangent, cotangent_tangent: [F; m])
//!     -> ([F; m], gradient, gradient)          // -> [F; m] with `hessian` or `hvp`
//! ```
//!
//! A direction (`tangent`, `v`) has the gradient's type: one entry per
//! differentiable parameter, of its shape; for a parameter of run-time
//! length it is a slice `&[F]` of the same length (checked: a mismatch
//! panics with both names), and `name_hvp` comes with
//! `name_hvp_into(params, v, d_xs: &mut [F], hv_xs: &mut [F])`, which adds
//! the gradient and H·v into the caller's buffers as `name_grad_into` does.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote};

use super::body::Writer;
use super::results::{
    rest_tangents, rest_values, struct_jacobian, struct_value, with_rest_cotangents,
};
use super::{grad_type, inputs, names};
use crate::diff::higher::fresh_name;
use crate::ir::{Graph, NodeId};
use crate::types::Signature;

/// Which derived function to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `name_jvp`
    Jvp,
    /// `name_vjp`
    Vjp,
    /// `name_jacobian`
    Jacobian,
    /// `name_hessian`
    Hessian,
    /// `name_hvp`
    Hvp,
    /// `name_vjp_jvp` (a function returning `[F; m]` with `hessian`)
    VjpJvp,
}

impl Kind {
    /// The suffix of the generated function's name.
    pub fn suffix(self) -> &'static str {
        match self {
            Kind::Jvp => "_jvp",
            Kind::Vjp => "_vjp",
            Kind::Jacobian => "_jacobian",
            Kind::Hessian => "_hessian",
            Kind::Hvp => "_hvp",
            Kind::VjpJvp => "_vjp_jvp",
        }
    }

    /// The direction parameter it takes, if any.
    fn direction(self) -> Option<&'static str> {
        match self {
            Kind::Jvp => Some("tangent"),
            Kind::Hvp => Some("v"),
            _ => None,
        }
    }
}

/// The number of differentiable scalars of the lowered graph `g`: a
/// scalar counts one, an array its length, a struct parameter the fields
/// its body reads.
pub fn graph_diff_len(g: &Graph) -> usize {
    g.params
        .iter()
        .filter(|p| p.diff)
        .map(|p| match &p.fields {
            Some(f) => f.len(),
            None => p.len.unwrap_or(1),
        })
        .sum()
}

/// `F` or `[F; m]`.
pub(super) fn value_type(sig: &Signature) -> TokenStream {
    let float = syn::Ident::new(sig.float.name(), Span::call_site());
    if let Some(ty) = &sig.out_struct {
        return quote!(#ty);
    }
    match sig.out_len {
        None => quote!(#float),
        Some(m) if sig.out_tuple => {
            let fs = (0..m).map(|_| quote!(#float));
            quote!((#(#fs,)*))
        }
        Some(m) => {
            let m = Literal::usize_unsuffixed(m);
            quote!([#float; #m])
        }
    }
}

/// Tokens of the gradient's shape holding `nodes` (flattened in parameter
/// order; a struct parameter's part is the fields its body reads, written
/// into a zero value of its type).
///
/// In `name_vjp` of a struct result with `..base`, `cotangent` names the
/// cotangent, whose parts copied from a parameter are added into its
/// gradient (see [`with_rest_cotangents`]); in `name_vjp_jvp` the
/// cotangent for the gradient and the cotangent's tangent for its tangent.
///
/// With `tangent` (`H·v` in `name_hvp`), a struct parameter's part is
/// written into its H·v variable, which the tangents of `AddStruct`
/// statements have added into (see [`Writer::struct_tangents`]).
fn shaped(
    w: &mut Writer<'_>,
    nodes: &[NodeId],
    cotangent: Option<&syn::Ident>,
    tangent: bool,
) -> TokenStream {
    let g = w.g;
    let mut at = 0;
    let mut entries = Vec::new();
    for (k, p) in g.params.iter().enumerate().filter(|(_, p)| p.diff) {
        if let (Some(fields), Some(ty)) = (&p.fields, &p.struct_ty) {
            let elems: Vec<TokenStream> = nodes[at..at + fields.len()]
                .iter()
                .map(|&n| w.output(n))
                .collect();
            at += fields.len();
            let projs: Vec<syn::Ident> = (0..fields.len())
                .map(|i| w.struct_fields_mut[&(k, i)].clone())
                .collect();
            // (declared already when calls add into it)
            let declared = if tangent {
                w.struct_tangents.get(&k).cloned()
            } else {
                w.struct_grads.get(&k).cloned()
            };
            let d = declared
                .clone()
                .unwrap_or_else(|| w.names.fresh(&super::names::grad_buffer_name(&p.name)));
            let entry = super::structs::struct_gradient(
                &d,
                fields,
                &projs,
                p.span,
                &elems,
                declared.is_some(),
                ty,
            );
            entries.push(with_rest_cotangents(w, k, entry, cotangent));
            continue;
        }
        let len = p.len.unwrap_or(1);
        let elems: Vec<TokenStream> = nodes[at..at + len].iter().map(|&n| w.output(n)).collect();
        at += len;
        entries.push(match p.len {
            None => elems[0].clone(),
            Some(_) if p.tuple => quote!((#(#elems,)*)),
            Some(_) => quote!([#(#elems),*]),
        });
    }
    match entries.len() {
        1 => entries.remove(0),
        _ => quote!((#(#entries),*)),
    }
}

/// `[[a, b], [c, d]]` from `nodes` row by row, `cols` per row.
fn matrix(w: &mut Writer<'_>, nodes: &[NodeId], cols: usize) -> TokenStream {
    let rows: Vec<TokenStream> = nodes
        .chunks(cols.max(1))
        .map(|row| {
            let elems: Vec<TokenStream> = row.iter().map(|&n| w.output(n)).collect();
            quote!([#(#elems),*])
        })
        .collect();
    quote!([#(#rows),*])
}

/// The value: the function's scalar, or the array of its elements.
pub(super) fn value(w: &mut Writer<'_>, g: &Graph, sig: &Signature) -> TokenStream {
    if g.out_struct.is_some() {
        let bases = rest_values(w);
        return struct_value(w, &g.outs, &bases);
    }
    if g.outs.is_empty() {
        w.output(g.value)
    } else {
        let elems: Vec<TokenStream> = g.outs.iter().map(|&n| w.output(n)).collect();
        pack(sig, elems)
    }
}

/// `[a, b]`, or `(a, b)` for a function returning a tuple.
fn pack(sig: &Signature, elems: Vec<TokenStream>) -> TokenStream {
    if sig.out_tuple {
        quote!((#(#elems,)*))
    } else {
        quote!([#(#elems),*])
    }
}

/// The type of a direction: the gradient's, with `&[F]` (`&[[F; n]]`)
/// for a parameter of run-time length.
fn direction_type(sig: &Signature) -> TokenStream {
    let tys: Vec<TokenStream> = sig
        .diff_params()
        .map(|p| match p.slice {
            Some(s) => {
                let elem: TokenStream = s.element(sig.float).parse().expect("a type parses");
                quote!(&[#elem])
            }
            None => super::entry_type(p, sig.float),
        })
        .collect();
    if tys.len() == 1 {
        tys[0].clone()
    } else {
        quote!((#(#tys),*))
    }
}

/// The direction `dir` taken apart into one part per differentiable
/// parameter (`let (v_x, v_y) = v;`) when there are several, and each
/// slice's part checked against its parameter's length.
fn directions(sig: &Signature, dir: &str) -> Vec<TokenStream> {
    let d = syn::Ident::new(dir, Span::call_site());
    let several = sig.diff_params().count() > 1;
    let parts: Vec<syn::Ident> = sig
        .diff_params()
        .map(|p| match several {
            true => format_ident!("{}_{}", dir, p.ident.to_string().trim_start_matches("r#")),
            false => d.clone(),
        })
        .collect();
    let mut out = Vec::new();
    if several {
        out.push(quote! { let (#(#parts),*) = #d; });
    }
    for (p, part) in sig.diff_params().zip(&parts) {
        if p.slice.is_some() {
            out.push(length_check(&p.ident, part, "direction"));
        }
    }
    out
}

/// `assert_eq!(xs.len(), other.len(), "…")`: `other` (a direction or a
/// caller's buffer) has the length of slice parameter `xs`.
pub(super) fn length_check(xs: &syn::Ident, other: &syn::Ident, what: &str) -> TokenStream {
    let msg = format!("`{xs}` and its {what} `{other}` differ in length");
    quote! { ::core::assert_eq!(#xs.len(), #other.len(), #msg); }
}

/// `name_hvp` and `name_hvp_into` of a function with a differentiable
/// parameter of run-time length, from the HVP graph `g`:
///
/// ```text
/// fn f_hvp_into(params, v, d_xs: &mut [F], hv_xs: &mut [F]) -> F   // or (F, rest, rest)
/// fn f_hvp(params, v) -> (F, gradient, gradient)                    // allocates, calls it
/// ```
///
/// `f_hvp_into` adds into `d_xs` and `hv_xs` (never zeroes them), like
/// `f_grad_into`; it returns the value with the gradient and H·v of the
/// parameters of fixed size, if any.
pub fn hvp_slices(item: &syn::ItemFn, sig: &Signature, g: &Graph, doc: &str) -> TokenStream {
    let vis = &item.vis;
    let name = format_ident!("{}_hvp", item.sig.ident);
    let into_name = format_ident!("{}_hvp_into", item.sig.ident);
    let float = syn::Ident::new(sig.float.name(), Span::call_site());
    let gty = grad_type(sig);
    let ins = inputs(sig);
    let taken: Vec<String> = sig.params.iter().map(|p| p.ident.to_string()).collect();
    let diff: Vec<String> = sig.diff_params().map(|p| p.ident.to_string()).collect();
    let dir = fresh_name(&taken, &diff, "v");
    let d = syn::Ident::new(&dir, Span::call_site());
    let dty = direction_type(sig);
    let mut prelude = Vec::new();
    for p in g.params.iter().filter(|p| p.by_ref) {
        let x = names::ident(&p.name, p.span);
        prelude.push(quote! { let #x = *#x; });
    }
    prelude.extend(directions(sig, &dir));
    // the caller's buffers, the fresh ones `f_hvp` makes, and the entries
    // of the fixed-size parameters, in parameter order
    let (mut buf_ins, mut bufs, mut buf_args) = (Vec::new(), Vec::new(), Vec::new());
    let (mut grads, mut hvs) = (Vec::new(), Vec::new());
    let (mut rest_tys, mut rest_grads, mut rest_hvs) = (Vec::new(), Vec::new(), Vec::new());
    let (mut rest_gn, mut rest_hn) = (Vec::new(), Vec::new());
    let mut w = Writer::new(g);
    let mut at = 0;
    for (k, p) in sig.diff_params().enumerate() {
        match p.slice {
            Some(s) => {
                let xs = &p.ident;
                let elem: TokenStream = s.element(sig.float).parse().expect("a type parses");
                let zero = match s.row {
                    None => quote!(0.0),
                    Some(n) => {
                        let n = Literal::usize_unsuffixed(n);
                        quote!([0.0; #n])
                    }
                };
                let name = xs.to_string();
                for (buf, list) in [
                    (names::grad_buffer_name(&name), &mut grads),
                    (names::hv_buffer_name(&name), &mut hvs),
                ] {
                    let b = names::ident(&buf, xs.span());
                    prelude.push(length_check(xs, &b, "output buffer"));
                    buf_ins.push(quote!(#b: &mut [#elem]));
                    bufs.push(quote! { let mut #b: ::std::vec::Vec<#elem> = ::std::vec![#zero; #xs.len()]; });
                    buf_args.push(quote!(&mut #b));
                    list.push(quote!(#b));
                }
            }
            None => {
                let len = p.len.unwrap_or(1);
                let ty = p.value_ty();
                rest_tys.push(quote!(#ty));
                let pack = |w: &mut Writer<'_>, nodes: &[NodeId]| {
                    let elems: Vec<TokenStream> = nodes.iter().map(|&n| w.output(n)).collect();
                    match p.len {
                        None => elems[0].clone(),
                        Some(_) if p.tuple => quote!((#(#elems,)*)),
                        Some(_) => quote!([#(#elems),*]),
                    }
                };
                let gr: Vec<NodeId> = g.grads.iter().flatten().copied().collect();
                rest_grads.push(pack(&mut w, &gr[at..at + len]));
                rest_hvs.push(pack(&mut w, &g.extra[at..at + len]));
                at += len;
                let (gk, hk) = (format_ident!("gradient_{}", k), format_ident!("hv_{}", k));
                grads.push(quote!(#gk));
                hvs.push(quote!(#hk));
                rest_gn.push(gk);
                rest_hn.push(hk);
            }
        }
    }
    let tuple = |v: &[TokenStream]| match v.len() {
        1 => v[0].clone(),
        _ => quote!((#(#v),*)),
    };
    let value = w.output(g.value);
    let (into_ty, into_ret, call_pat) = if rest_tys.is_empty() {
        (quote!(#float), quote!(#value), quote!(value))
    } else {
        let (t, gr, hv) = (tuple(&rest_tys), tuple(&rest_grads), tuple(&rest_hvs));
        (quote!((#float, #t, #t)), quote!((#value, #gr, #hv)), {
            let gn: Vec<TokenStream> = rest_gn.iter().map(|i| quote!(#i)).collect();
            let hn: Vec<TokenStream> = rest_hn.iter().map(|i| quote!(#i)).collect();
            let (gp, hp) = (tuple(&gn), tuple(&hn));
            quote!((value, #gp, #hp))
        })
    };
    let body = w.body(into_ret);
    let args = sig.params.iter().map(|p| &p.ident);
    let (all_g, all_hv) = (tuple(&grads), tuple(&hvs));
    let into_doc = format!(
        " Allocation-free form of [`{name}`]: adds the gradient and H·v of each differentiable slice `xs` \
         into the caller's buffers `d_xs` and `hv_xs` (of the slice's length; they are not zeroed, so \
         repeated calls accumulate, as `{}_grad_into` does) and returns the value with the gradient \
         and H·v of the other differentiable parameters.\n\n # Panics\n\n If a direction or a buffer's \
         length differs from its slice's.",
        item.sig.ident
    );
    quote! {
        #[doc = #doc]
        #[allow(clippy::all, unused_parens, unused_variables, unused_mut)]
        #vis fn #name(#ins, #d: #dty) -> (#float, #gty, #gty) {
            #(#bufs)*
            let #call_pat = #into_name(#(#args,)* #d, #(#buf_args),*);
            (value, #all_g, #all_hv)
        }

        #[doc = #into_doc]
        #[allow(clippy::all, unused_parens, unused_variables, unused_mut, unused_assignments, dead_code)]
        #vis fn #into_name(#ins, #d: #dty, #(#buf_ins),*) -> #into_ty {
            #(#prelude)*
            #body
        }
    }
}

/// The names of `name_vjp_jvp`'s parameters after the user's: the
/// cotangent, the direction and the cotangent's tangent, chosen as
/// `diff::higher::vjp_jvp` chooses them.
pub fn vjp_jvp_names(sig: &Signature) -> (String, String, String) {
    let mut taken: Vec<String> = sig.params.iter().map(|p| p.ident.to_string()).collect();
    let diff: Vec<String> = sig.diff_params().map(|p| p.ident.to_string()).collect();
    let c = fresh_name(&taken, &diff, "cotangent");
    taken.push(c.clone());
    let dir = fresh_name(&taken, &diff, "tangent");
    if diff.len() == 1 {
        taken.push(dir.clone());
    } else {
        taken.extend(
            diff.iter()
                .map(|d| format!("{dir}_{}", d.trim_start_matches("r#"))),
        );
    }
    let ct = fresh_name(&taken, &diff, "cotangent_tangent");
    (c, dir, ct)
}

/// The derived function `kind` of `item`, from its graph `g`.
pub fn derived_fn(
    item: &syn::ItemFn,
    sig: &Signature,
    g: &Graph,
    kind: Kind,
    doc: &str,
) -> TokenStream {
    let vis = &item.vis;
    let name = format_ident!("{}{}", item.sig.ident, kind.suffix());
    let float = syn::Ident::new(sig.float.name(), Span::call_site());
    let gty = grad_type(sig);
    let vty = value_type(sig);
    let mut ins = inputs(sig);
    let mut prelude = Vec::new();
    let mut w = Writer::new(g);
    for p in g.params.iter().filter(|p| p.by_ref && p.fields.is_none()) {
        let x = names::ident(&p.name, p.span);
        prelude.push(quote! { let #x = *#x; });
    }
    let taken: Vec<String> = sig.params.iter().map(|p| p.ident.to_string()).collect();
    let diff: Vec<String> = sig.diff_params().map(|p| p.ident.to_string()).collect();
    let mut direction = String::new();
    // `name_vjp_jvp`'s cotangent and its tangent, whose parts a struct
    // result copies by `..base` are added into the gradient and its tangent
    let mut cotangents = None;
    if kind == Kind::VjpJvp {
        let (c, dir, ct) = vjp_jvp_names(sig);
        let dty = direction_type(sig);
        let (c, ct) = (
            syn::Ident::new(&c, Span::call_site()),
            syn::Ident::new(&ct, Span::call_site()),
        );
        let d = syn::Ident::new(&dir, Span::call_site());
        ins = quote!(#ins, #c: #vty, #d: #dty, #ct: #vty);
        prelude.extend(directions(sig, &dir));
        cotangents = Some((c, ct));
    }
    if let Some(base) = kind.direction() {
        let dir = fresh_name(&taken, &diff, base);
        direction.clone_from(&dir);
        let dir = dir.as_str();
        let d = syn::Ident::new(dir, Span::call_site());
        let dty = direction_type(sig);
        ins = quote!(#ins, #d: #dty);
        prelude.extend(directions(sig, dir));
    }
    let mut cotangent = None;
    if kind == Kind::Vjp {
        let c = syn::Ident::new(&fresh_name(&taken, &diff, "cotangent"), Span::call_site());
        ins = quote!(#ins, #c: #vty);
        cotangent = Some(c);
    }
    // a struct passed whole to a call has the callee's gradient added into
    // its parameter's by the reverse sweep: declared before any node
    // (and in `name_hvp` the tangent of that gradient into its H·v)
    if g.struct_calls && matches!(kind, Kind::Vjp | Kind::Hvp) {
        for (k, p) in g.params.iter().enumerate() {
            if let (true, Some(ty)) = (p.diff, &p.struct_ty) {
                let d = w.names.fresh(&names::grad_buffer_name(&p.name));
                prelude.push(quote!(let mut #d = <#ty as ::macrograd::Differentiable>::zero();));
                w.struct_grads.insert(k, d);
                if kind == Kind::Hvp {
                    let hv = w
                        .names
                        .fresh(&format!("hv_{}", p.name.trim_start_matches("r#")));
                    prelude
                        .push(quote!(let mut #hv = <#ty as ::macrograd::Differentiable>::zero();));
                    w.struct_tangents.insert(k, hv);
                }
            }
        }
    }
    // the direction's parts are taken apart before its fields are read
    prelude.extend(super::structs::struct_checks(&mut w));
    let n = graph_diff_len(g);
    let nn = Literal::usize_unsuffixed(n);
    let grads: Vec<NodeId> = g.grads.iter().flatten().copied().collect();
    let (ret_ty, ret) = match kind {
        Kind::Jvp => {
            let v = value(&mut w, g, sig);
            let t = match sig.out_len {
                None if g.out_struct.is_some() => {
                    let bases = rest_tangents(&mut w, sig, &direction);
                    struct_value(&mut w, &g.extra, &bases)
                }
                None => w.output(g.extra[0]),
                Some(_) => {
                    let t: Vec<TokenStream> = g.extra.iter().map(|&x| w.output(x)).collect();
                    pack(sig, t)
                }
            };
            (quote!((#vty, #vty)), quote!((#v, #t)))
        }
        Kind::Vjp => {
            let v = value(&mut w, g, sig);
            let gr = shaped(&mut w, &grads, cotangent.as_ref(), false);
            (quote!((#vty, #gty)), quote!((#v, #gr)))
        }
        Kind::Jacobian => {
            let v = value(&mut w, g, sig);
            let j = match g.out_struct {
                Some(_) => struct_jacobian(&mut w, &float, n),
                None => matrix(&mut w, &g.extra, n),
            };
            let m = Literal::usize_unsuffixed(g.outs.len().max(1));
            (quote!((#vty, [[#float; #nn]; #m])), quote!((#v, #j)))
        }
        Kind::Hessian => {
            let v = w.output(g.value);
            let gr = shaped(&mut w, &grads, None, false);
            let h = matrix(&mut w, &g.extra, n);
            (
                quote!((#float, #gty, [[#float; #nn]; #nn])),
                quote!((#v, #gr, #h)),
            )
        }
        Kind::VjpJvp => {
            let v = value(&mut w, g, sig);
            let (c, ct) = cotangents.expect("name_vjp_jvp names its cotangents");
            // (a copied part's derivative is the identity: `u` goes into
            // the gradient as in `name_vjp`, `u̇` into its tangent)
            let gr = shaped(&mut w, &grads, Some(&c), false);
            let t = shaped(&mut w, &g.extra, Some(&ct), true);
            (quote!((#vty, #gty, #gty)), quote!((#v, #gr, #t)))
        }
        Kind::Hvp => {
            let v = w.output(g.value);
            let gr = shaped(&mut w, &grads, None, false);
            let hv = shaped(&mut w, &g.extra, None, true);
            (quote!((#float, #gty, #gty)), quote!((#v, #gr, #hv)))
        }
    };
    let body = w.body(ret);
    // a method's `Self` gradient, tangent or direction needs `Self` marked
    let bound = super::structs::self_bound(sig);
    // names the method as written, so that calling only its derived
    // functions does not report it unused
    let primal = &item.sig.ident;
    let used = sig.assoc.then(|| quote!(let _ = Self::#primal;));
    // every function gets these whether it uses them or not: no warning
    quote! {
        #[doc = #doc]
        #[allow(clippy::all, unused_parens, unused_variables, dead_code)]
        #vis fn #name(#ins) -> #ret_ty #bound {
            #used
            #(#prelude)*
            #body
        }
    }
}
