//! Writing calls of other differentiable functions: through their
//! pullback when a derivative is needed (`f::pullback`, a method's
//! `__f_pullback`), with each argument's partials read back.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::body::{Prec, Writer};
use super::names::PULLBACK;
use crate::ir::{Call, CallArg, NodeId, Op, SourceSpans};

impl Writer<'_> {
    /// `let (value, (partials…)) = f::pullback(args);` and the partials' reads.
    pub(super) fn call_statement(&mut self, n: NodeId, c: &Call) -> TokenStream {
        if c.is_vector() {
            return self.vector_call_statement(n, c);
        }
        let g = self.g;
        let span = g.node(n).span;
        let value = self.names.of(g, c.value);
        let args = self.call_args(&c.args, &c.by_ref, &c.arg_spans, span);
        let wants_grad = c.partials.iter().flatten().any(Option::is_some)
            || c.args
                .iter()
                .any(|a| matches!(a, CallArg::Struct(s) if s.entry_read_whole()));
        let mut segs: Vec<TokenStream> = Vec::new();
        let leading = c.path.first().is_some_and(String::is_empty);
        let path: Vec<&String> = c.path.iter().filter(|s| !s.is_empty()).collect();
        let (last, init) = path.split_last().expect("a call has a path");
        for s in init {
            let id = format_ident!("{}", s, span = span);
            segs.push(quote!(#id));
        }
        let colon = if leading { quote!(::) } else { quote!() };
        let assoc = c.is_assoc();
        // `recv.f(rest)` for a method, `path::f(args)` otherwise
        let written = |f: TokenStream| {
            if c.method {
                let (recv, rest) = args.split_first().expect("a method call has a receiver");
                let recv = if plain_receiver(&c.args[0]) {
                    recv.clone()
                } else {
                    quote!((#recv))
                };
                quote_spanned!(span=> #recv.#f(#(#rest),*))
            } else {
                quote_spanned!(span=> #colon #(#segs ::)* #f(#(#args),*))
            }
        };
        if wants_grad {
            let float = Ident::new(g.float.name(), Span::call_site());
            let mut parts = Vec::new();
            let mut unpack = Vec::new();
            for (k, (a, ps)) in c.args.iter().zip(&c.partials).enumerate() {
                let accums = matches!(a, CallArg::Struct(s) if s.entry_read_whole());
                if ps.iter().all(Option::is_none) && !accums {
                    parts.push(quote!(_));
                    continue;
                }
                // the entry passes through `partial`, whose error (a
                // `()` entry: a `#[nograd]` parameter of the callee)
                // points at this argument
                let entry = format_ident!("{}_partial{}", value, k);
                parts.push(quote!(#entry));
                let ids = self.ids_or_blank(ps);
                let arg_span = c.arg_spans.0.get(k).copied().unwrap_or(span);
                unpack.push(unpack_entry(g, &ids, a, &entry, &float, arg_span));
            }
            let call = if c.method || assoc {
                let pb = format_ident!("{}", super::names::assoc_pullback(last), span = span);
                let call = written(quote_spanned!(span=> #pb));
                let arity = args.len() - usize::from(c.method);
                super::missing::through_method_fallback(g, &c.path, c.method, arity, call, span)
            } else {
                // a free function's hidden type, or the fallback whose
                // error says it has no derivative
                let pb = Ident::new(PULLBACK, span);
                super::missing::through_fallback(
                    g,
                    &c.path,
                    args.len(),
                    span,
                    |callee| quote_spanned!(span=> #callee::#pb(#(#args),*)),
                )
            };
            quote_spanned! {span=>
                let (#value, (#(#parts,)*)) = #call;
                #(#unpack)*
            }
        } else {
            let f = format_ident!("{}", last, span = span);
            let call = written(quote!(#f));
            quote_spanned! {span=>
                let #value = #call;
            }
        }
    }

    /// The names of the nodes `ps` holds, `_` where it holds none.
    pub(super) fn ids_or_blank(&mut self, ps: &[Option<NodeId>]) -> Vec<TokenStream> {
        let g = self.g;
        ps.iter()
            .map(|p| match p {
                Some(p) => {
                    let id = self.names.of(g, *p);
                    quote!(#id)
                }
                None => quote!(_),
            })
            .collect()
    }

    /// The arguments of a call, each written on its own span.
    pub(super) fn call_args(
        &mut self,
        args: &[CallArg],
        by_ref: &[bool],
        spans: &SourceSpans,
        span: Span,
    ) -> Vec<TokenStream> {
        args.iter()
            .zip(by_ref)
            .enumerate()
            .map(|(k, (a, &r))| {
                let at = spans.0.get(k).copied().unwrap_or(span);
                self.call_arg(a, r, at)
            })
            .collect()
    }

    /// One argument of a call; `by_ref` when written `&x`, for a callee
    /// parameter `&f64` or `&[f64; N]` (an opaque input is passed on as it
    /// is, reference or not).
    pub(super) fn call_arg(&mut self, a: &CallArg, by_ref: bool, at: Span) -> TokenStream {
        match a {
            // the captured variable as written, resolved where the closure is
            CallArg::Capture(name) => {
                let id = Ident::new(name, at);
                if by_ref {
                    quote!(&#id)
                } else {
                    quote!(#id)
                }
            }
            // a slice parameter is passed on as it is (already a reference)
            CallArg::Opaque(k) | CallArg::Slice(k) => {
                let id = super::names::ident(&self.g.params[*k].name, self.g.params[*k].span);
                quote!(#id)
            }
            // a local buffer passed whole, as a slice
            CallArg::Local { buf, .. } => {
                let id = self.names.of(self.g, *buf);
                quote!(&#id[..])
            }
            CallArg::Struct(s) => {
                let e = self.struct_expr(s, at);
                if by_ref {
                    quote!(&#e)
                } else {
                    e
                }
            }
            CallArg::Scalar(n) => match self.expr(*n) {
                (e, _) if !by_ref => e,
                (e, Prec::Atom) => quote!(&#e),
                (e, _) => quote!(&(#e)),
            },
            CallArg::Tuple(v) => {
                let es: Vec<_> = v.iter().map(|n| self.expr(*n).0).collect();
                if by_ref {
                    quote!(&(#(#es,)*))
                } else {
                    quote!((#(#es,)*))
                }
            }
            CallArg::Array(v) => {
                let e = self.array_arg(v);
                if by_ref {
                    quote!(&#e)
                } else {
                    e
                }
            }
        }
    }

    /// An array argument: the parameter itself when passed whole, else its elements.
    fn array_arg(&mut self, v: &[NodeId]) -> TokenStream {
        if let Some(p) = super::body::whole_param(self.g, v) {
            let id = super::names::ident(&self.g.params[p].name, self.g.params[p].span);
            return quote!(#id);
        }
        let es: Vec<_> = v.iter().map(|n| self.expr(*n).0).collect();
        quote!([#(#es),*])
    }
}

/// A receiver written as a path (`self`, `s.arm`): no parentheses needed.
pub(super) fn plain_receiver(a: &CallArg) -> bool {
    matches!(a, CallArg::Struct(s) if matches!(s.expr, crate::ir::StructExpr::Path { .. } | crate::ir::StructExpr::Res(_)))
}

/// Whether `a` is a float that is the value (or a result) of another call:
/// its entry is read by `call_partial` (see [`unpack_entry`]).
fn from_call(g: &crate::ir::Graph, a: &CallArg) -> bool {
    matches!(a, CallArg::Scalar(n)
        if matches!(g.op(*n), Op::Result(s) if matches!(g.op(*s), Op::Call(_))))
}

/// `let … = partial(entry);`: reads one argument's entry of a callee's
/// gradient (a float, an array or a tuple of floats) into `ids` (`_` where
/// nothing is needed). The entry passes through `partial`, whose error (a
/// `()` entry: a `#[nograd]` parameter of the callee) points at the argument.
/// A float that is another call's value (`from_call`) passes through
/// `call_partial` instead, which also takes an array or a tuple: such a
/// value is one only when that call's array or tuple result was not bound,
/// and the callee's trap bound is then the one error. A struct argument's
/// entry is read field by field ([`unpack_struct_entry`]).
pub(super) fn unpack_entry(
    g: &crate::ir::Graph,
    ids: &[TokenStream],
    a: &CallArg,
    entry: &Ident,
    float: &Ident,
    at: Span,
) -> TokenStream {
    match a {
        CallArg::Struct(s) => unpack_struct_entry(s, ids, entry, float, at),
        CallArg::Tuple(_) => {
            let tys = ids.iter().map(|_| quote!(#float));
            quote_spanned! {at=>
                let (#(#ids,)*) = ::macrograd::__private::partial_tuple::<(#(#tys,)*), _>(#entry);
            }
        }
        CallArg::Array(_) => {
            let len = Literal::usize_unsuffixed(ids.len());
            quote_spanned! {at=>
                let [#(#ids),*] = ::macrograd::__private::partial::<[#float; #len], _>(#entry);
            }
        }
        _ if from_call(g, a) => {
            let id = &ids[0];
            quote_spanned! {at=>
                let #id = ::macrograd::__private::call_partial::<#float, _>(#entry);
            }
        }
        _ => {
            let id = &ids[0];
            quote_spanned! {at=>
                let #id = ::macrograd::__private::partial::<#float, _>(#entry);
            }
        }
    }
}

/// The partials of the floats a struct argument's literals wrote
/// (`ids`, `_` for one not wanted), read from the callee's gradient entry
/// for that argument (a value of the struct's type).
fn unpack_struct_entry(
    s: &crate::ir::StructArg,
    ids: &[TokenStream],
    entry: &Ident,
    float: &Ident,
    at: Span,
) -> TokenStream {
    let reads = s
        .elem_paths
        .iter()
        .zip(ids)
        .filter(|(_, id)| id.to_string() != "_")
        .map(|(path, id)| {
            let path = super::seg_tokens(path, at);
            quote_spanned! {at=>
                let #id = ::macrograd::__private::partial::<#float, _>(#entry #path);
            }
        });
    quote!(#(#reads)*)
}
