//! Calls whose struct result is bound to a name: read by field
//! (`let p = twist(t, y); p.omega`) or used whole (`g(p)`), see
//! `ir::lower::struct_res` and [`crate::ir::ResultPart`]; the rest of such
//! calls is in [`super::vcall`].

use std::collections::HashMap;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::body::Writer;
use super::names::{JVP_CALL, VJP_CALL};
use crate::ir::{Call, CallArg, CallSweep, NodeId};

/// One element of a struct result bound to a name: a float read by field,
/// or a use of the result whole (see [`crate::ir::ResultPart`]).
#[derive(Clone, Copy)]
pub(super) enum ReadOut<'a> {
    /// `p.arm.l1`: the path.
    Field(&'a [crate::types::Seg]),
    /// `g(p)`: the element standing for the use.
    Whole(NodeId),
}

/// The elements of a struct result read by field ([`PatItem::Read`],
/// [`PatItem::Whole`]), or `None` for any other result.
///
/// [`PatItem::Read`]: crate::ir::PatItem::Read
/// [`PatItem::Whole`]: crate::ir::PatItem::Whole
pub(super) fn read_paths(items: Option<&Vec<crate::ir::PatItem>>) -> Option<Vec<ReadOut<'_>>> {
    items?
        .iter()
        .map(|i| match i {
            crate::ir::PatItem::Read(p) => Some(ReadOut::Field(p.as_slice())),
            crate::ir::PatItem::Whole(n) => Some(ReadOut::Whole(*n)),
            _ => None,
        })
        .collect()
}

/// For each element standing for a use of a call's struct result whole,
/// that use: the consuming call's value, the argument position and the
/// part (see [`crate::ir::ResultPart`]). The consumer is the call as written
/// (the value sweep), whose gradient entries are bound by name. Built once
/// per graph, in one pass over its nodes.
pub(super) type WholeUses<'g> = HashMap<NodeId, (NodeId, usize, &'g crate::ir::ResultPart)>;

/// The [`WholeUses`] of `g`.
pub(super) fn whole_uses(g: &crate::ir::Graph) -> WholeUses<'_> {
    let mut uses = HashMap::new();
    for node in &g.nodes {
        let crate::ir::Op::Call(c) = &node.op else {
            continue;
        };
        if !matches!(c.sweep, CallSweep::Value) {
            continue;
        }
        for (k, a) in c.args.iter().enumerate() {
            if let CallArg::Struct(s) = a {
                for r in &s.results {
                    uses.entry(r.out).or_insert((c.value, k, r));
                }
            }
        }
    }
    uses
}

/// A call's struct result returned whole (see
/// [`Graph::out_results`](crate::ir::Graph::out_results)) that element
/// `out` stands for: the cotangent it reads and the part. Only `name_vjp`
/// sweeps back through such a result (the driver refuses the other
/// reverse sweeps), and its cotangent is its last parameter.
fn returned_use(g: &crate::ir::Graph, out: NodeId) -> (Ident, &crate::ir::ResultPart) {
    let part = (g.out_results.iter())
        .find(|r| r.out == out)
        .expect("a use whole is passed to a call or returned");
    let c = g.params.last().expect("`name_vjp` has its cotangent");
    (super::names::ident(&c.name, c.span), part)
}

impl Writer<'_> {
    /// The variable holding the result tangent of the JVP call `n` of a
    /// helper returning a struct bound to a name, which the calls it is
    /// passed to whole also read (see `ir::ResultPart`).
    pub(super) fn result_tangent(&mut self, n: NodeId) -> Ident {
        if let Some(t) = self.result_tangents.get(&n) {
            return t.clone();
        }
        let t = self.names.fresh("result_tangent");
        self.result_tangents.insert(n, t.clone());
        t
    }

    /// A call whose struct result is bound to a name and read by field
    /// (see `ir::lower::struct_res`), in the form its sweep asks for:
    ///
    /// ```text
    /// let p = twist(t, y); let p_omega = p.omega;                  // the value
    /// let (_, result_tangent) = twist::jvp(t, y, d_t, d_y);         // forward
    /// let p_omega_tangent = result_tangent.omega;
    /// let (_, (g_t, g_y)) = twist::vjp(t, y, {                      // reverse
    ///     let mut result_cotangent = zero_like(|| twist(t, y));    // never called
    ///     result_cotangent.omega = d_p_omega;
    ///     result_cotangent
    /// });
    /// ```
    pub(super) fn struct_read_call(
        &mut self,
        n: NodeId,
        c: &Call,
        paths: &[ReadOut<'_>],
        outs: &[TokenStream],
        written: impl Fn(Option<&str>, Vec<TokenStream>) -> TokenStream,
    ) -> TokenStream {
        let g = self.g;
        let span = g.node(n).span;
        // (a use whole binds nothing: the calls passed it read the result)
        let reads = |base: &Ident| -> Vec<TokenStream> {
            paths
                .iter()
                .zip(outs)
                .filter_map(|(p, o)| match p {
                    ReadOut::Field(p) => {
                        let path = super::structs::seg_tokens(p, span);
                        Some(quote_spanned!(span=> let #o = #base #path;))
                    }
                    ReadOut::Whole(_) => None,
                })
                .collect()
        };
        match &c.sweep {
            CallSweep::Jvp(ts) => {
                let tangents = self.arg_tangents(c, ts, span);
                let call = written(Some(JVP_CALL), tangents);
                let t = self.result_tangent(n);
                let reads = reads(&t);
                quote_spanned! {span=>
                    let (_, #t) = #call;
                    #(#reads)*
                }
            }
            CallSweep::Vjp(cots) => {
                let cot = self.names.fresh("result_cotangent");
                let mut sets: Vec<TokenStream> = Vec::new();
                let mut adds: Vec<TokenStream> = Vec::new();
                for (p, &d) in paths.iter().zip(cots) {
                    let d = self.expr(d).0;
                    match p {
                        ReadOut::Field(p) => {
                            let path = super::structs::seg_tokens(p, span);
                            sets.push(quote_spanned!(span=> #cot #path = #d;));
                        }
                        // a use whole: the consumer's entry, scaled, or
                        // the function's own cotangent for a result
                        // returned whole
                        ReadOut::Whole(out) => {
                            let (entry, part) = match self.whole_uses.get(out).copied() {
                                Some((value, k, part)) => {
                                    let entry = self.names.of(g, value);
                                    (format_ident!("{}_partial{}", entry, k), part)
                                }
                                None => returned_use(g, *out),
                            };
                            adds.push(super::structs::add_part(
                                &quote!(#cot),
                                &part.target,
                                &d,
                                &entry,
                                &part.source,
                                &part.zero,
                                span,
                                span,
                            ));
                        }
                    }
                }
                sets.extend(adds);
                // the struct's zero, its type that of the helper's value
                // (the closure is never called)
                let value = written(None, Vec::new());
                let (parts, unpack) = self.gradient_entries(c, span);
                let call = written(
                    Some(VJP_CALL),
                    vec![quote_spanned! {span=> {
                        let mut #cot = ::macrograd::__private::zero_like(|| #value);
                        #(#sets)*
                        #cot
                    }}],
                );
                quote_spanned! {span=>
                    let (_, (#(#parts,)*)) = #call;
                    #(#unpack)*
                }
            }
            // the value
            _ => {
                let value = self.names.of(g, c.value);
                let call = written(None, Vec::new());
                let reads = reads(&value);
                quote_spanned! {span=>
                    let #value = #call;
                    #(#reads)*
                }
            }
        }
    }
}
