//! Helpers returning `[F; m]`: their calls (see [`crate::ir::call`]) and
//! the hidden items callers differentiate them through.
//!
//! ```text
//! let [u, v] = project(cam, x);                                   // the value
//! let (_, (g_cam, g_x,)) = project::vjp(cam, x, [d_u, d_v]);      // reverse sweep
//! let (_, [du, dv]) = project::jvp(cam, x, d_cam, d_x);           // forward sweep
//! ```

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::body::Writer;
use super::names::{JVP_CALL, VJP_CALL};
use super::{entry_type, inputs};
use crate::diff::higher::fresh_name;
use crate::ir::{Call, CallArg, CallSweep, NodeId};
use crate::types::Signature;

impl Writer<'_> {
    /// A call of a vector helper, in the form its sweep asks for.
    pub(super) fn vector_call_statement(&mut self, n: NodeId, c: &Call) -> TokenStream {
        let g = self.g;
        let span = g.node(n).span;
        let args = self.call_args(&c.args, &c.by_ref, &c.arg_spans, span);
        let leading = c.path.first().is_some_and(String::is_empty);
        let colon = if leading { quote!(::) } else { quote!() };
        let path: Vec<Ident> = c
            .path
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| format_ident!("{}", s, span = span))
            .collect();
        // a struct result: a pattern naming the fields read, `State { theta: a, .. }`
        let struct_out = c.struct_out.as_ref();
        let pack = |ids: Vec<TokenStream>| match struct_out {
            Some(items) => struct_pattern(items, &ids, &quote!(..), span),
            None if c.tuple => quote!((#(#ids,)*)),
            None => quote!([#(#ids),*]),
        };
        // `f(args)`, `path::f::vjp(args)`, for a method `recv.f(rest)`,
        // `recv.__f_vjp(rest)`, for an associated function `Type::__f_vjp(args)`
        let last = path.last().cloned().expect("a call has a path");
        let written = |sweep: Option<&str>, extra: Vec<TokenStream>| {
            if c.method {
                let (recv, rest) = args.split_first().expect("a method call has a receiver");
                let f = match sweep {
                    Some(s) => format_ident!(
                        "{}",
                        super::names::assoc_sweep(&last.to_string(), s),
                        span = span
                    ),
                    None => last.clone(),
                };
                let recv = if super::call::plain_receiver(&c.args[0]) {
                    recv.clone()
                } else {
                    quote!((#recv))
                };
                quote_spanned!(span=> #recv.#f(#(#rest,)* #(#extra),*))
            } else if let Some(s) = sweep.filter(|_| c.is_assoc()) {
                // an associated function's hidden `Type::__f_vjp` (see
                // `vector_method_items`)
                let f = format_ident!(
                    "{}",
                    super::names::assoc_sweep(&last.to_string(), s),
                    span = span
                );
                let ty = &path[..path.len() - 1];
                quote_spanned!(span=> #colon #(#ty::)* #f(#(#args,)* #(#extra),*))
            } else if let Some(s) = sweep {
                // through the callee's hidden type, or the fallback whose
                // error says it has no derivative
                let f = Ident::new(s, span);
                super::missing::through_fallback(
                    g,
                    &c.path,
                    c.args.len(),
                    span,
                    |callee| quote_spanned!(span=> #callee::#f(#(#args,)* #(#extra),*)),
                )
            } else {
                quote_spanned!(span=> #colon #(#path)::*(#(#args,)* #(#extra),*))
            }
        };
        let outs: Vec<TokenStream> = c
            .outs
            .iter()
            .map(|&o| {
                let id = self.names.of(g, o);
                quote!(#id)
            })
            .collect();
        match &c.sweep {
            CallSweep::Value => {
                let pat = pack(outs);
                let call = written(None, Vec::new());
                quote_spanned! {span=> let #pat = #call; }
            }
            CallSweep::Jvp(ts) => {
                let pat = pack(outs);
                let tangents = self.arg_tangents(c, ts, span);
                let call = written(Some(JVP_CALL), tangents);
                quote_spanned! {span=>
                    let (_, #pat) = #call;
                }
            }
            CallSweep::Vjp(cots) => {
                let cot: Vec<TokenStream> = cots.iter().map(|&d| self.expr(d).0).collect();
                // a struct's cotangent: the fields read, zero elsewhere
                let cot = match struct_out {
                    Some(items) => struct_pattern(
                        items,
                        &cot,
                        &quote!(..::macrograd::Differentiable::zero()),
                        span,
                    ),
                    None => pack(cot),
                };
                let (parts, unpack) = self.gradient_entries(c, span);
                let call = written(Some(VJP_CALL), vec![cot]);
                quote_spanned! {span=>
                    let (_, (#(#parts,)*)) = #call;
                    #(#unpack)*
                }
            }
            CallSweep::VjpJvp(nodes) => {
                let m =
                    (nodes.len() - c.args.iter().map(|a| a.elements().len()).sum::<usize>()) / 2;
                let exprs: Vec<TokenStream> = nodes.iter().map(|&d| self.expr(d).0).collect();
                let cot = pack(exprs[..m].to_vec());
                let cot_tangent = pack(exprs[nodes.len() - m..].to_vec());
                let tangents = self.arg_tangents(c, &nodes[m..nodes.len() - m], span);
                let (parts, unpack) = self.gradient_entries(c, span);
                // `f::vjp_jvp` is `f`'s own under `hessian`, else the
                // fallback's, whose error says to add `hessian` (a free
                // function's: methods with `hessian` are an error)
                let call = super::missing::through_fallback(
                    g,
                    &c.path,
                    c.args.len(),
                    span,
                    |callee| quote_spanned!(span=> #callee::vjp_jvp((#(#args,)*), #cot, (#(#tangents,)*), #cot_tangent)),
                );
                quote_spanned! {span=>
                    let (#(#parts,)*) = {
                        #[allow(unused_imports)]
                        use ::macrograd::__private::MissingCalleeVjpJvp as _;
                        #call
                    };
                    #(#unpack)*
                }
            }
        }
    }

    /// The tangent of each argument of `c`, shaped like it, from the
    /// argument elements' tangents `ts`.
    fn arg_tangents(&mut self, c: &Call, ts: &[NodeId], span: Span) -> Vec<TokenStream> {
        let mut at = 0;
        let mut tangents = Vec::new();
        for a in &c.args {
            let len = a.elements().len();
            let es: Vec<TokenStream> = ts[at..at + len].iter().map(|&t| self.expr(t).0).collect();
            at += len;
            tangents.push(match a {
                CallArg::Scalar(_) => es[0].clone(),
                CallArg::Array(_) => quote!([#(#es),*]),
                CallArg::Tuple(_) => quote!((#(#es,)*)),
                CallArg::Struct(s) => self.struct_tangent(s, &es, span),
                _ => quote!(()),
            });
        }
        tangents
    }

    /// The pattern of each gradient entry a VJP call (or its tangent)
    /// returns (`_` for one nothing reads) and the statements reading the
    /// wanted elements ([`Call::partials`]) out of them.
    fn gradient_entries(&mut self, c: &Call, span: Span) -> (Vec<TokenStream>, Vec<TokenStream>) {
        let g = self.g;
        let float = Ident::new(g.float.name(), Span::call_site());
        let mut parts = Vec::new();
        let mut unpack = Vec::new();
        for (k, (a, ps)) in c.args.iter().zip(&c.partials).enumerate() {
            let accums = matches!(a, CallArg::Struct(s) if !s.accums.is_empty());
            if ps.iter().all(Option::is_none) && !accums {
                parts.push(quote!(_));
                continue;
            }
            // a struct argument's entry is named after the call's
            // value, as the `AddStruct` statements that follow read it
            let entry = if accums {
                let value = self.names.of(g, c.value);
                format_ident!("{}_partial{}", value, k)
            } else {
                self.names.fresh("gradient_entry")
            };
            parts.push(quote!(#entry));
            let ids = self.ids_or_blank(ps);
            let at = c.arg_spans.0.get(k).copied().unwrap_or(span);
            unpack.push(match a {
                CallArg::Struct(s) => super::call::unpack_struct_entry(s, &ids, &entry, &float, at),
                _ => super::call::unpack_entry(&ids, a, &entry, &float, at),
            });
        }
        (parts, unpack)
    }
}

/// A struct pattern (or literal) from its pre-order `items`, with
/// `leaves` at its leaves and `rest` closing each struct:
/// `Pair { a: State { x: a0, v: a1, .. }, b: a2, .. }`. Built with an
/// explicit stack (the nesting is the user's pattern).
fn struct_pattern(
    items: &[crate::ir::PatItem],
    leaves: &[TokenStream],
    rest: &TokenStream,
    span: Span,
) -> TokenStream {
    use crate::ir::PatItem;
    let mut leaves = leaves.iter();
    let mut open: Vec<(Option<Ident>, TokenStream, Vec<TokenStream>)> = Vec::new();
    let mut done = TokenStream::new();
    for item in items {
        match item {
            PatItem::Open(f, path) => {
                let path: TokenStream = path.parse().expect("a path as written parses");
                let f = f.as_ref().map(|f| super::names::ident(f, span));
                open.push((f, path, Vec::new()));
            }
            PatItem::Leaf(name) => {
                let m = super::names::ident(name, span);
                let leaf = leaves.next().cloned().unwrap_or_default();
                if let Some(top) = open.last_mut() {
                    top.2.push(quote!(#m: #leaf));
                }
            }
            PatItem::Close => {
                let Some((f, path, parts)) = open.pop() else {
                    continue;
                };
                let s = quote!(#path { #(#parts,)* #rest });
                match (open.last_mut(), f) {
                    (Some(parent), Some(f)) => parent.2.push(quote!(#f: #s)),
                    _ => done = s,
                }
            }
        }
    }
    done
}

/// What a helper's VJP and JVP for callers take and give: the value's
/// type, the inputs and their names, the cotangent's name, one gradient
/// entry type and expression per parameter (`()` for `#[nograd]`), the
/// tangents' generic types, parameters and the tangent passed on.
struct SweepParts {
    vty: TokenStream,
    ins: TokenStream,
    args: Vec<Ident>,
    cot: Ident,
    tys: Vec<TokenStream>,
    exprs: Vec<TokenStream>,
    generics: Vec<Ident>,
    tan_ins: Vec<TokenStream>,
    tangent: TokenStream,
}

fn sweep_parts(sig: &Signature) -> SweepParts {
    let float = Ident::new(sig.float.name(), Span::call_site());
    let m = Literal::usize_unsuffixed(sig.out_len.unwrap_or(1));
    let vty = if let Some(ty) = &sig.out_struct {
        quote!(#ty)
    } else if sig.out_tuple {
        let fs = (0..sig.out_len.unwrap_or(1)).map(|_| quote!(#float));
        quote!((#(#fs,)*))
    } else {
        quote!([#float; #m])
    };
    let ins = inputs(sig);
    let args: Vec<&Ident> = sig.params.iter().map(|p| &p.ident).collect();
    let taken: Vec<String> = sig.params.iter().map(|p| p.ident.to_string()).collect();
    let cot = Ident::new(&fresh_name(&taken, &[], "cotangent"), Span::call_site());
    let n_diff = sig.diff_params().count();
    let mut k = 0;
    let (mut tys, mut exprs) = (Vec::new(), Vec::new());
    let (mut generics, mut tan_ins, mut tan_parts) = (Vec::new(), Vec::new(), Vec::new());
    for (i, p) in sig.params.iter().enumerate() {
        let t = Ident::new(
            &fresh_name(&taken, &[], &format!("tangent_{i}")),
            Span::call_site(),
        );
        if p.nograd {
            tys.push(quote!(()));
            exprs.push(quote!(()));
            let ty = format_ident!("T{}", i);
            tan_ins.push(quote!(_: #ty));
            generics.push(ty);
        } else {
            let ty = entry_type(p, sig.float);
            tys.push(ty.clone());
            let idx = syn::Index::from(k);
            exprs.push(if n_diff == 1 {
                quote!(gradient)
            } else {
                quote!(gradient.#idx)
            });
            k += 1;
            tan_ins.push(quote!(#t: #ty));
            tan_parts.push(t);
        }
    }
    let tangent = if tan_parts.len() == 1 {
        let t = &tan_parts[0];
        quote!(#t)
    } else {
        quote!((#(#tan_parts),*))
    };
    SweepParts {
        vty,
        ins,
        args: args.into_iter().cloned().collect(),
        cot,
        tys,
        exprs,
        generics,
        tan_ins,
        tangent,
    }
}

/// The hidden type `f` beside a `#[differentiable] fn f(…) -> [F; m]` with
/// `f::vjp` and `f::jvp`: `f_vjp` and `f_jvp` with one entry per parameter
/// (`()` for `#[nograd]`), whatever the number of differentiable ones.
pub fn vector_items(item: &syn::ItemFn, sig: &Signature) -> TokenStream {
    let vis = &item.vis;
    let name = &item.sig.ident;
    let vjp_name = format_ident!("{}_vjp", name);
    let jvp_name = format_ident!("{}_jvp", name);
    let float = Ident::new(sig.float.name(), Span::call_site());
    let m = Literal::usize_unsuffixed(sig.out_len.unwrap_or(1));
    let SweepParts {
        vty,
        ins,
        args,
        cot,
        tys,
        exprs,
        generics,
        tan_ins,
        tangent,
    } = sweep_parts(sig);
    // `pullback<A0: ArrayResult<m>, A1, …>(A0, A1, …)` (`TupleResult`,
    // `StructResult` for a tuple or a struct: the bound's message names the
    // shape)
    let shape = if sig.out_struct.is_some() {
        quote!(StructResult)
    } else if sig.out_tuple {
        quote!(TupleResult<#m>)
    } else {
        quote!(ArrayResult<#m>)
    };
    let any: Vec<TokenStream> = (0..sig.params.len())
        .map(|k| {
            let a = format_ident!("A{}", k);
            if k == 0 {
                quote!(#a: ::macrograd::__private::#shape)
            } else {
                quote!(#a)
            }
        })
        .collect();
    let names: Vec<Ident> = (0..sig.params.len())
        .map(|k| format_ident!("A{}", k))
        .collect();
    let jvp_doc = format!(" The JVP of [`{name}`] for differentiable callers: one tangent per parameter (anything for `#[nograd]` ones). Generated by macrograd.");
    let jvp_item = quote! {
        #[doc = #jvp_doc]
        #[inline]
        pub fn jvp<#(#generics),*>(#ins, #(#tan_ins),*) -> (#vty, #vty) {
            #jvp_name(#(#args,)* #tangent)
        }
    };
    let vjp_doc = format!(" The VJP of [`{name}`] for differentiable callers: its value and one gradient entry per parameter (`()` for `#[nograd]` ones). Generated by macrograd.");
    quote_spanned! {name.span()=>
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #name {}

        #[allow(dead_code, clippy::too_many_arguments, clippy::type_complexity)]
        impl #name {
            #[doc = #vjp_doc]
            #[inline]
            pub fn vjp(#ins, #cot: #vty) -> (#vty, (#(#tys,)*)) {
                let _ = #name;
                let (value, gradient) = #vjp_name(#(#args,)* #cot);
                (value, (#(#exprs,)*))
            }

            /// Not callable: a differentiable caller that did not bind this
            /// function's result by its shape (array, tuple or struct) reaches it, and its bound says so.
            pub fn pullback<#(#any),*>(#(_: #names),*) -> (#float, (#(#names,)*)) {
                unreachable!("the bound of this function has no implementation")
            }

            #jvp_item

            #[doc(hidden)]
            #[inline(always)]
            pub fn has_derivative() {}
        }
    }
}

/// A method returning `[F; m]` (or a tuple) keeps `name_vjp`, `name_jvp`
/// and `name_jacobian` in its `impl`, where the hidden type of
/// [`vector_items`] cannot go: a differentiable caller that binds its
/// result by its shape (`let [x, y] = self.tip(q);`) calls the hidden
/// methods `__name_vjp` and `__name_jvp` instead, with one entry per
/// parameter as in [`vector_items`]. One that does not reaches its hidden
/// pullback, `__name_pullback`, whose bound (on the first parameter after
/// the receiver) says to bind the result.
pub fn vector_method_items(item: &syn::ItemFn, sig: &Signature) -> TokenStream {
    let sweeps = method_sweeps(item, sig);
    let trap = method_trap(item, sig);
    quote!(#sweeps #trap)
}

/// `__name_vjp` and `__name_jvp` of a method returning several floats.
fn method_sweeps(item: &syn::ItemFn, sig: &Signature) -> TokenStream {
    let vis = &item.vis;
    let name = &item.sig.ident;
    let n = name.to_string();
    let (vjp, jvp_name) = (format_ident!("{}_vjp", name), format_ident!("{}_jvp", name));
    let hidden_vjp = format_ident!("{}", super::names::assoc_sweep(&n, VJP_CALL));
    let hidden_jvp = format_ident!("{}", super::names::assoc_sweep(&n, JVP_CALL));
    let SweepParts {
        vty,
        ins,
        args,
        cot,
        tys,
        exprs,
        generics,
        tan_ins,
        tangent,
    } = sweep_parts(sig);
    let jvp_item = {
        quote_spanned! {name.span()=>
            /// The JVP of this method for differentiable callers: one tangent
            /// per parameter (anything for `#[nograd]` ones).
            #[doc(hidden)]
            #[inline]
            #[allow(dead_code, clippy::too_many_arguments, clippy::type_complexity)]
            #vis fn #hidden_jvp<#(#generics),*>(#ins, #(#tan_ins),*) -> (#vty, #vty) {
                Self::#jvp_name(#(#args,)* #tangent)
            }
        }
    };
    quote_spanned! {name.span()=>
        /// The VJP of this method for differentiable callers: its value and
        /// one gradient entry per parameter (`()` for `#[nograd]` ones).
        #[doc(hidden)]
        #[inline]
        #[allow(dead_code, clippy::too_many_arguments, clippy::type_complexity)]
        #vis fn #hidden_vjp(#ins, #cot: #vty) -> (#vty, (#(#tys,)*)) {
            let (value, gradient) = Self::#vjp(#(#args,)* #cot);
            (value, (#(#exprs,)*))
        }

        #jvp_item
    }
}

/// `__name_pullback`, never callable (see [`vector_method_items`]).
fn method_trap(item: &syn::ItemFn, sig: &Signature) -> TokenStream {
    let vis = &item.vis;
    let name = &item.sig.ident;
    let pb = format_ident!("{}", super::names::assoc_pullback(&name.to_string()));
    let float = Ident::new(sig.float.name(), Span::call_site());
    let m = Literal::usize_unsuffixed(sig.out_len.unwrap_or(1));
    let recv = sig.params.first().filter(|p| p.ident == "self");
    let rest = &sig.params[usize::from(recv.is_some())..];
    // without a parameter to carry the bound, the caller's error is that
    // the pullback does not exist
    if rest.is_empty() {
        return TokenStream::new();
    }
    let recv = recv.map(|p| {
        if p.by_ref {
            quote!(&self,)
        } else {
            quote!(self,)
        }
    });
    let generics: Vec<Ident> = (0..rest.len()).map(|k| format_ident!("A{}", k)).collect();
    let first = &generics[0];
    let others = &generics[1..];
    // the receiver's entry is a `Self`, so that a caller adding it into
    // its own gradient adds no error of its own
    let outs = recv.as_ref().map(|_| quote!(Self,));
    quote_spanned! {name.span()=>
        /// Not callable: a differentiable caller of this method that did
        /// not bind its result by its shape reaches it, and its bound says so.
        #[doc(hidden)]
        #[allow(dead_code, clippy::too_many_arguments, clippy::type_complexity)]
        #vis fn #pb<#first: ::macrograd::__private::MethodVectorResult<#m>, #(#others),*>(#recv #(_: #generics),*) -> (#float, (#outs #(#generics,)*)) {
            unreachable!("`MethodVectorResult` has no implementation")
        }
    }
}

/// The items `#[differentiable(hessian)] fn f(…) -> [F; m]` (or `hvp`)
/// adds beside [`vector_items`] for callers with `hessian` that
/// differentiate through `f` twice:
///
/// ```text
/// impl f { fn vjp_jvp((params,), cotangent, (tangent, …,), cotangent_tangent) -> (entry tangent, …,) }
/// ```
///
/// the tangent of each of `f::vjp`'s gradient entries (`()` for
/// `#[nograd]` parameters, whose tangent may be anything), from
/// `f_vjp_jvp`.
pub fn vector_hessian_items(item: &syn::ItemFn, sig: &Signature) -> TokenStream {
    let name = &item.sig.ident;
    let vjp_jvp = format_ident!("{}_vjp_jvp", name);
    let float = Ident::new(sig.float.name(), Span::call_site());
    let m = Literal::usize_unsuffixed(sig.out_len.unwrap_or(1));
    let vty = if sig.out_tuple {
        let fs = (0..sig.out_len.unwrap_or(1)).map(|_| quote!(#float));
        quote!((#(#fs,)*))
    } else {
        quote!([#float; #m])
    };
    // no parameter of the user's is shadowed by these names
    let taken: Vec<String> = sig.params.iter().map(|p| p.ident.to_string()).collect();
    let mut prefix = "second".to_string();
    while taken.iter().any(|t| t.starts_with(&prefix)) {
        prefix.push('_');
    }
    let [arguments, cot, tangents, cot_tangent, product] = [
        "arguments",
        "cotangent",
        "tangents",
        "cotangent_tangent",
        "product",
    ]
    .map(|s| format_ident!("{}_{}", prefix, s));
    let args: Vec<&Ident> = sig.params.iter().map(|p| &p.ident).collect();
    let tys = sig.params.iter().map(|p| &p.ty);
    let n_diff = sig.diff_params().count();
    let (mut generics, mut tan_tys, mut tan_pats) = (Vec::new(), Vec::new(), Vec::new());
    let (mut diff_tans, mut outs, mut out_tys) = (Vec::new(), Vec::new(), Vec::new());
    for (k, p) in sig.params.iter().enumerate() {
        if p.nograd {
            let ty = format_ident!("T{}", k);
            tan_tys.push(quote!(#ty));
            generics.push(ty);
            tan_pats.push(quote!(_));
            outs.push(quote!(()));
            out_tys.push(quote!(()));
            continue;
        }
        let ty = entry_type(p, sig.float);
        tan_tys.push(ty.clone());
        out_tys.push(ty);
        let t = format_ident!("{}_{}", prefix, k);
        tan_pats.push(quote!(#t));
        let j = syn::Index::from(diff_tans.len());
        outs.push(if n_diff == 1 {
            quote!(#product)
        } else {
            quote!(#product.#j)
        });
        diff_tans.push(t);
    }
    let tangent = if diff_tans.len() == 1 {
        quote!(#(#diff_tans)*)
    } else {
        quote!((#(#diff_tans),*))
    };
    let doc = format!(
        " Forward over reverse through the VJP of [`{name}`] for callers with `hessian`: the tangent of each gradient entry of `{name}::vjp` (`()` for `#[nograd]` parameters). Generated by macrograd."
    );
    quote_spanned! {name.span()=>
        #[allow(dead_code, clippy::too_many_arguments, clippy::type_complexity)]
        impl #name {
            #[doc = #doc]
            #[inline]
            pub fn vjp_jvp<#(#generics),*>(
                #arguments: (#(#tys,)*),
                #cot: #vty,
                #tangents: (#(#tan_tys,)*),
                #cot_tangent: #vty,
            ) -> (#(#out_tys,)*) {
                let (#(#args,)*) = #arguments;
                let (#(#tan_pats,)*) = #tangents;
                let (_, _, #product) = #vjp_jvp(#(#args,)* #cot, #tangent, #cot_tangent);
                (#(#outs,)*)
            }
        }
    }
}
