//! Helpers returning `[F; m]`: their calls (see [`crate::ir::call`]); the
//! hidden items callers reach them through are in [`super::vhidden`].
//!
//! ```text
//! let [u, v] = project(cam, x);                                   // the value
//! let (_, (g_cam, g_x,)) = project::vjp(cam, x, [d_u, d_v]);      // reverse sweep
//! let (_, [du, dv]) = project::jvp(cam, x, d_cam, d_x);           // forward sweep
//! ```

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::body::Writer;
use super::names::{JVP_CALL, VJP_CALL, VJP_INTO_CALL, VJP_JVP_CALL};
use super::vcall_reads::{read_paths, ReadOut};
use crate::ir::{Call, CallArg, CallSweep, NodeId};

impl Writer<'_> {
    /// A call of a vector helper, in the form its sweep asks for.
    pub(super) fn vector_call_statement(&mut self, n: NodeId, c: &Call) -> TokenStream {
        if let Some(s) = self.saved_call_statement(n, c) {
            return s;
        }
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
        // (a struct result's cotangent in a `vjp_jvp` call is built below)
        if let (Some(paths), false) = (
            read_paths(struct_out),
            matches!(c.sweep, CallSweep::VjpJvp(_)),
        ) {
            return self.struct_read_call(n, c, &paths, &outs, written);
        }
        match &c.sweep {
            CallSweep::Value => {
                let pat = pack(outs);
                let call = written(None, Vec::new());
                quote_spanned! {span=> let #pat = #call; }
            }
            CallSweep::Jvp(ts) => {
                // a scalar helper passed a slice: its value's tangent
                let pat = if c.scalar_vjp {
                    outs[0].clone()
                } else {
                    pack(outs)
                };
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
                    None if c.scalar_vjp => cot[0].clone(),
                    None => pack(cot),
                };
                let (parts, unpack) = self.gradient_entries(c, span);
                let call = if c.has_slice() {
                    // `f::vjp_into(args, cot, sinks)`: one gradient sink per
                    // argument, the caller's buffer for a slice passed on
                    let mut extra = vec![cot];
                    extra.extend(c.args.iter().enumerate().map(|(k, a)| {
                        self.grad_sink(a, c.arg_spans.0.get(k).copied().unwrap_or(span))
                    }));
                    written(Some(VJP_INTO_CALL), extra)
                } else {
                    written(Some(VJP_CALL), vec![cot])
                };
                quote_spanned! {span=>
                    let (_, (#(#parts,)*)) = #call;
                    #(#unpack)*
                }
            }
            CallSweep::VjpJvp(nodes) => {
                let m =
                    (nodes.len() - c.args.iter().map(|a| a.elements().len()).sum::<usize>()) / 2;
                let exprs: Vec<TokenStream> = nodes.iter().map(|&d| self.expr(d).0).collect();
                // the cotangent and its tangent shaped like the result: a
                // struct's the fields read, zero elsewhere
                let mut shaped = |es: &[TokenStream]| match (struct_out, read_paths(struct_out)) {
                    (_, Some(paths)) => {
                        let cot = self.names.fresh("result_cotangent");
                        // (a use whole is an error under `hessian`, see
                        // `diff::higher::unsupported`)
                        let sets = paths.iter().zip(es).filter_map(|(p, e)| match p {
                            ReadOut::Field(p) => {
                                let path = super::structs::seg_tokens(p, span);
                                Some(quote_spanned!(span=> #cot #path = #e;))
                            }
                            ReadOut::Whole(_) => None,
                        });
                        // the struct's zero, its type that of the helper's
                        // value (the closure is never called)
                        let value = written(None, Vec::new());
                        quote_spanned! {span=> {
                            let mut #cot = ::macrograd::__private::zero_like(|| #value);
                            #(#sets)*
                            #cot
                        }}
                    }
                    (Some(items), None) => struct_pattern(
                        items,
                        es,
                        &quote!(..::macrograd::Differentiable::zero()),
                        span,
                    ),
                    (None, None) => pack(es.to_vec()),
                };
                let cot = shaped(&exprs[..m]);
                let cot_tangent = shaped(&exprs[nodes.len() - m..]);
                let tangents = self.arg_tangents(c, &nodes[m..nodes.len() - m], span);
                let (parts, unpack) = self.gradient_entries(c, span);
                if c.has_slice() {
                    return self.hvp_into_statement(c, &exprs, tangents, (parts, unpack), span);
                }
                if c.method || c.is_assoc() {
                    // a method's hidden `__f_vjp_jvp`, with the fallback
                    // of its `__f_hvp_pullback` (see `emit::assoc_hessian`)
                    let extra = vec![cot, quote!((#(#tangents,)*)), cot_tangent];
                    let call = match args.split_first() {
                        Some((recv, rest))
                            if c.method && !super::call::plain_receiver(&c.args[0]) =>
                        {
                            // a receiver the macro wrote (a literal): bound
                            // to a name spanned on it as the user wrote it,
                            // where the fallback's error lands
                            let at = c.arg_spans.0.first().copied().unwrap_or(span);
                            let id = Ident::new("__macrograd_receiver", at);
                            let f = format_ident!(
                                "{}",
                                super::names::assoc_sweep(&last.to_string(), VJP_JVP_CALL),
                                span = span
                            );
                            quote_spanned!(span=> { let #id = #recv; #id.#f(#(#rest,)* #(#extra),*) })
                        }
                        _ => written(Some(VJP_JVP_CALL), extra),
                    };
                    let arity = c.args.len() - usize::from(c.method) + 1;
                    let call = super::missing::through_assoc_hessian_fallback(
                        g, &c.path, c.method, arity, true, call, span,
                    );
                    return quote_spanned! {span=>
                        let (#(#parts,)*) = #call;
                        #(#unpack)*
                    };
                }
                // `f::vjp_jvp` is `f`'s own under `hessian`, else the
                // fallback's, whose error says to add `hessian`
                let vjp_jvp = Ident::new(VJP_JVP_CALL, span);
                let call = super::missing::through_fallback(
                    g,
                    &c.path,
                    c.args.len(),
                    span,
                    |callee| quote_spanned!(span=> #callee::#vjp_jvp((#(#args,)*), #cot, (#(#tangents,)*), #cot_tangent)),
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

    /// The tangent of a `vjp_into` call of a helper returning one float
    /// passed a slice, `exprs` its cotangent, the arguments' elements'
    /// tangents and the cotangent's tangent: the helper's hidden
    /// `hvp_into`, adding into the caller's H·v buffer of each slice passed
    /// on (`()` for any other argument), its entries' tangents read as a
    /// `vjp_jvp` call's are (`parts`, `unpack`):
    ///
    /// ```text
    /// let (_, g_w) = f::hvp_into((xs, w), d_y, (v_xs, v_w), d_y_tangent, (&mut hv_xs[..], ()));
    /// ```
    fn hvp_into_statement(
        &mut self,
        c: &Call,
        exprs: &[TokenStream],
        tangents: Vec<TokenStream>,
        (parts, unpack): (Vec<TokenStream>, Vec<TokenStream>),
        span: Span,
    ) -> TokenStream {
        let args = self.call_args(&c.args, &c.by_ref, &c.arg_spans, span);
        let (cot, cot_tangent) = (&exprs[0], &exprs[exprs.len() - 1]);
        let sinks: Vec<TokenStream> = c
            .args
            .iter()
            .enumerate()
            .map(|(k, a)| self.hv_sink(a, c.arg_spans.0.get(k).copied().unwrap_or(span)))
            .collect();
        let f = Ident::new(super::names::HVP_INTO_CALL, span);
        // `f::hvp_into` is `f`'s own under `hvp`, else the runtime's,
        // whose error says to add `hvp`
        let call = super::missing::through_fallback_passing(
            self.g,
            &c.path,
            c.args.len(),
            span,
            true,
            |callee| quote_spanned!(span=> #callee::#f((#(#args,)*), #cot, (#(#tangents,)*), #cot_tangent, (#(#sinks,)*))),
        );
        quote_spanned! {span=>
            let (#(#parts,)*) = {
                #[allow(unused_imports)]
                use ::macrograd::__private::MissingCalleeHvpInto as _;
                #call
            };
            #(#unpack)*
        }
    }

    /// Where a callee's `hvp_into` adds the tangent of the gradient of
    /// argument `a`: the caller's H·v buffer `&mut hv_xs[..]` for a slice
    /// parameter passed on, `()` for every other argument.
    fn hv_sink(&self, a: &CallArg, at: Span) -> TokenStream {
        match a {
            CallArg::Slice(k) => {
                let p = &self.g.params[*k];
                let b = super::names::ident(
                    &super::names::hv_buffer_name(&p.name),
                    at.resolved_at(p.span),
                );
                quote_spanned!(at=> &mut #b[..])
            }
            _ => quote!(()),
        }
    }

    /// Where a callee's `vjp_into` adds the gradient of argument `a`: the
    /// caller's buffer `&mut d_xs[..]` for a slice parameter passed on
    /// (`&mut d_v[..]`, the adjoint buffer, for a local buffer `v`),
    /// `()` for every other argument (see `GradSink` in the runtime).
    /// (Spanned `at` the argument: a callee's `#[nograd]` slice parameter
    /// rejects the buffer there, see `nograd_slice_vjp_into`.)
    fn grad_sink(&mut self, a: &CallArg, at: Span) -> TokenStream {
        match a {
            CallArg::Slice(k) => {
                let p = &self.g.params[*k];
                // (located at the argument, resolved as the parameter)
                let b = super::names::ident(
                    &super::names::grad_buffer_name(&p.name),
                    at.resolved_at(p.span),
                );
                quote_spanned!(at=> &mut #b[..])
            }
            // a local buffer passed whole: its adjoint buffer
            CallArg::Local { sink: Some(d), .. } => {
                let b = self.names.of(self.g, *d);
                quote_spanned!(at=> &mut #b[..])
            }
            _ => quote!(()),
        }
    }

    /// The direction of the differentiable slice parameter `k` in a
    /// derived function seeded along one (`tangent_xs`, `v_xs`), else `()`
    /// (a zero tangent).
    fn slice_direction(&self, k: usize) -> TokenStream {
        let dir = self
            .g
            .directions
            .iter()
            .filter(|(_, &x)| x == k)
            .map(|(&d, _)| d)
            .min();
        match dir {
            Some(d) => {
                let p = &self.g.params[d];
                let t = super::names::ident(&p.name, p.span);
                quote!(#t)
            }
            None => quote!(()),
        }
    }

    /// The tangent of each argument of `c`, shaped like it, from the
    /// argument elements' tangents `ts`.
    pub(super) fn arg_tangents(&mut self, c: &Call, ts: &[NodeId], span: Span) -> Vec<TokenStream> {
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
                // a slice passed on: its direction (see `SliceTangent`)
                CallArg::Slice(k) => self.slice_direction(*k),
                // a local buffer passed whole: its tangent buffer
                CallArg::Local { sink: Some(t), .. } => {
                    let t = self.names.of(self.g, *t);
                    quote!(&#t[..])
                }
                _ => quote!(()),
            });
        }
        tangents
    }

    /// The pattern of each gradient entry a VJP call (or its tangent)
    /// returns (`_` for one nothing reads) and the statements reading the
    /// wanted elements ([`Call::partials`]) out of them.
    pub(super) fn gradient_entries(
        &mut self,
        c: &Call,
        span: Span,
    ) -> (Vec<TokenStream>, Vec<TokenStream>) {
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
            unpack.push(super::call::unpack_entry(g, &ids, a, &entry, &float, at));
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
    let mut open: Vec<(Option<TokenStream>, TokenStream, Vec<TokenStream>)> = Vec::new();
    let mut done = TokenStream::new();
    for item in items {
        match item {
            PatItem::Open(f, path) => {
                let path: TokenStream = path.parse().expect("a path as written parses");
                let f = f.as_ref().map(|f| super::structs::member(f, span));
                open.push((f, path, Vec::new()));
            }
            PatItem::Leaf(name) => {
                let m = super::structs::member(name, span);
                let leaf = leaves.next().cloned().unwrap_or_default();
                if let Some(top) = open.last_mut() {
                    top.2.push(quote!(#m: #leaf));
                }
            }
            // (a pattern is never mixed with reads, see `vcall_reads::read_paths`)
            PatItem::Read(_) | PatItem::Whole(_) => {}
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
