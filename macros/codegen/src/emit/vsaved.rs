//! One forward evaluation per call of a helper returning `[F; m]` (or a
//! tuple): the caller's forward sweep calls the helper's hidden
//! `f::forward`, which gives the value and a closure over what the
//! helper's reverse sweep reads; the caller's reverse sweep calls that
//! closure with the cotangent instead of `f::vjp`, which would evaluate the
//! helper's body again.
//!
//! ```text
//! let ([u, v], back) = project::forward(cam, x);     // the value, once
//! …
//! let (g_cam, g_x) = back([d_u, d_v]);               // reverse sweep
//! ```
//!
//! The closure is a `move` closure over floats (and the closures of the
//! helper's own calls): a fixed-size value on the stack, no allocation.
//! `f::forward` is `f_vjp`'s graph split in two: the statements that do not
//! read the cotangent come before the closure, the others go in it.
//!
//! A call goes this way when the value call and its VJP call are both
//! statements of the caller's top level (not in a run-time loop or an
//! `if`'s branch, where the VJP call recomputes the helper as before), the
//! callee is a free function and every argument is a float, an array or a
//! tuple of floats passed by value. Methods, associated functions and
//! helpers returning structs keep `__f_vjp` / `f::vjp`.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::body::Writer;
use super::higher::value_type;
use super::{entry_type, inputs};
use crate::ir::walk::{region_reads, regions};
use crate::ir::{Block, Call, CallArg, CallSweep, Graph, NodeId, Op};
use crate::types::Signature;

/// The hidden item's name: `f::forward`.
pub const FORWARD_CALL: &str = "forward";

/// Longest top-level body for which calls are paired (the body writer
/// splits longer ones into blocks, which would hide the closures).
const MAX_TOP: usize = 128;

/// The vector calls of one graph whose VJP goes through the closure of
/// their value call.
#[derive(Default)]
pub(super) struct Saved {
    /// Value calls that bind a closure, and its name once written.
    back: HashMap<NodeId, Option<Ident>>,
    /// VJP calls, with the value call whose closure they call.
    of: HashMap<NodeId, NodeId>,
}

/// A call that may go through `f::forward`: a free function's, every
/// argument floats passed by value, a result of floats.
fn eligible(c: &Call) -> bool {
    !c.method
        && !c.is_assoc()
        && c.struct_out.is_none()
        && c.by_ref.iter().all(|r| !r)
        && c.args.iter().all(|a| {
            matches!(
                a,
                CallArg::Scalar(_) | CallArg::Array(_) | CallArg::Tuple(_)
            )
        })
}

impl Saved {
    /// Pairs each top-level VJP call of `g` with the top-level value call
    /// before it of the same function on the same arguments.
    pub(super) fn of(g: &Graph) -> Self {
        let mut saved = Saved::default();
        if g.body.nodes.len() > MAX_TOP {
            return saved;
        }
        let mut values: Vec<(NodeId, &Call)> = Vec::new();
        for &n in &g.body.nodes {
            let Op::Call(c) = g.op(n) else { continue };
            if !c.is_vector() || !eligible(c) {
                continue;
            }
            match c.sweep {
                CallSweep::Value => values.push((n, c)),
                CallSweep::Vjp(_) => {
                    let same = values
                        .iter()
                        .find(|(_, v)| v.path == c.path && v.args == c.args && v.tuple == c.tuple);
                    if let Some(&(v, _)) = same {
                        saved.back.insert(v, None);
                        saved.of.insert(n, v);
                    }
                }
                _ => {}
            }
        }
        saved
    }
}

impl Writer<'_> {
    /// The statement of a vector call that goes through `f::forward`: the
    /// value call binding the closure, or a VJP call calling it; `None`
    /// for any other call.
    pub(super) fn saved_call_statement(&mut self, n: NodeId, c: &Call) -> Option<TokenStream> {
        let g = self.g;
        let span = g.node(n).span;
        let pack = |ids: Vec<TokenStream>| {
            if c.tuple {
                quote!((#(#ids,)*))
            } else {
                quote!([#(#ids),*])
            }
        };
        if let Some(&v) = self.saved.of.get(&n) {
            let CallSweep::Vjp(cots) = &c.sweep else {
                return None;
            };
            let back = self.saved.back.get(&v).cloned().flatten()?;
            let cot: Vec<TokenStream> = cots.iter().map(|&d| self.expr(d).0).collect();
            let cot = pack(cot);
            let (parts, unpack) = self.gradient_entries(c, span);
            return Some(quote_spanned! {span=>
                let (#(#parts,)*) = #back(#cot);
                #(#unpack)*
            });
        }
        if !self.saved.back.contains_key(&n) {
            return None;
        }
        let back = self.names.fresh("back");
        self.saved.back.insert(n, Some(back.clone()));
        let args = self.call_args(&c.args, &c.by_ref, &c.arg_spans, span);
        let outs: Vec<TokenStream> = c
            .outs
            .iter()
            .map(|&o| {
                let id = self.names.of(g, o);
                quote!(#id)
            })
            .collect();
        let pat = pack(outs);
        let f = Ident::new(FORWARD_CALL, span);
        let call = super::missing::through_fallback(
            g,
            &c.path,
            c.args.len(),
            span,
            |callee| quote_spanned!(span=> #callee::#f(#(#args),*)),
        );
        Some(quote_spanned! {span=>
            let (#pat, #back) = #call;
        })
    }
}

/// Whether `f::forward` can be written for `sig`: every parameter a
/// float, an array or a tuple of floats taken by value, the result an
/// array or a tuple, a free function (the calls [`eligible`] reaches).
fn plain(sig: &Signature) -> bool {
    !sig.assoc
        && sig.out_len.is_some()
        && sig.out_struct.is_none()
        && sig
            .params
            .iter()
            .all(|p| !p.by_ref && !p.opaque && !p.index && !p.strukt && p.slice.is_none())
}

/// The top-level statements of `f_vjp`'s graph `g` that do not read the
/// cotangent (its last parameter), then those that do; `None` where the
/// body has loops, buffers, stores, struct parts or nested gradients, or
/// is too long to stay one block.
fn split(g: &Graph) -> Option<(Vec<NodeId>, Vec<NodeId>)> {
    let cot = g.params.len().checked_sub(1)?;
    if g.struct_calls
        || !g.out_rests.is_empty()
        || g.out_struct.is_some()
        || g.body.nodes.len() > MAX_TOP
        || g.params
            .iter()
            .any(|p| p.fields.is_some() || p.slice.is_some())
    {
        return None;
    }
    // whether each top-level statement reads the cotangent
    let mut top: HashMap<NodeId, bool> = HashMap::new();
    let (mut before, mut after) = (Vec::new(), Vec::new());
    for &t in &g.body.nodes {
        // everything the statement reads, its blocks included
        let mut reads = Vec::new();
        let mut ops = vec![t];
        while let Some(m) = ops.pop() {
            let op = g.op(m);
            if matches!(
                op,
                Op::Loop(_)
                    | Op::Buf(_)
                    | Op::Store { .. }
                    | Op::AddStruct(_)
                    | Op::StructDot(_)
                    | Op::Nested(_)
                    | Op::Load { .. }
                    | Op::Recall { .. }
                    | Op::RecallInt { .. }
            ) {
                return None;
            }
            reads.extend(op.args());
            reads.extend(region_reads(op));
            for b in regions(op) {
                ops.extend(b.nodes.iter().copied());
            }
        }
        let mut seen = HashSet::new();
        let mut dep = matches!(g.op(t), Op::Param { param, .. } if *param == cot);
        while let Some(r) = reads.pop() {
            if dep {
                break;
            }
            if !seen.insert(r) || r == t {
                continue;
            }
            // (a parameter's element may be a statement of its own)
            if let Op::Param { param, .. } = g.op(r) {
                dep = *param == cot;
                continue;
            }
            if let Some(&d) = top.get(&r) {
                dep = d;
                continue;
            }
            match g.op(r) {
                Op::Result(owner) => reads.push(*owner),
                op => reads.extend(op.args()),
            }
        }
        top.insert(t, dep);
        if dep {
            after.push(t);
        } else {
            before.push(t);
        }
    }
    Some((before, after))
}

/// `f::forward` beside a `#[differentiable] fn f(…) -> [F; m]`, from the
/// graph `g` of `f_vjp` (see the module docs); nothing when `f`'s
/// signature does not allow it. Where `g` cannot be split, the closure
/// calls `f_vjp` (the helper is evaluated twice, as through `f::vjp`).
pub fn saved_forward(item: &syn::ItemFn, sig: &Signature, g: &Graph) -> TokenStream {
    if !plain(sig) {
        return TokenStream::new();
    }
    let name = &item.sig.ident;
    let vty = value_type(sig);
    let ins = inputs(sig);
    let tys: Vec<TokenStream> = sig
        .params
        .iter()
        .map(|p| match p.nograd {
            true => quote!(()),
            false => entry_type(p, sig.float),
        })
        .collect();
    let doc = format!(
        " The value of [`{name}`] and a closure over what its reverse sweep reads, giving one gradient entry per parameter (`()` for `#[nograd]` ones) for a cotangent: a differentiable caller's reverse sweep calls it instead of [`{name}_vjp`], which would evaluate `{name}` again. Generated by macrograd."
    );
    let body = match split(g) {
        Some((before, after)) => {
            // the reverse sweep's `if`s read what the forward ones computed
            let mut g = g.clone();
            crate::simplify::share_branches(&mut g, &before, &after);
            split_body(&g, sig, &before, &after, &vty)
        }
        None => {
            let vjp = format_ident!("{}_vjp", name);
            let args: Vec<&Ident> = sig.params.iter().map(|p| &p.ident).collect();
            let taken: Vec<String> = sig.params.iter().map(|p| p.ident.to_string()).collect();
            let cot = crate::diff::higher::fresh_name(&taken, &[], "cotangent");
            let cot = Ident::new(&cot, Span::call_site());
            let entries = entries_of(sig, |k| {
                let k = syn::Index::from(k);
                if sig.diff_params().count() == 1 {
                    quote!(gradient)
                } else {
                    quote!(gradient.#k)
                }
            });
            quote! {
                (
                    #name(#(#args),*),
                    move |#cot: #vty| {
                        let (_, gradient) = #vjp(#(#args,)* #cot);
                        (#(#entries,)*)
                    },
                )
            }
        }
    };
    quote_spanned! {name.span()=>
        #[allow(dead_code, clippy::too_many_arguments, clippy::type_complexity)]
        impl #name {
            #[doc = #doc]
            #[inline]
            #[allow(clippy::all, unused_parens, unused_variables)]
            pub fn forward(#ins) -> (#vty, impl Fn(#vty) -> (#(#tys,)*)) {
                #body
            }
        }
    }
}

/// One entry per parameter of `sig`: `()` for a `#[nograd]` one, else
/// `diff(k)` for the `k`-th differentiable one.
fn entries_of(sig: &Signature, mut diff: impl FnMut(usize) -> TokenStream) -> Vec<TokenStream> {
    let mut k = 0;
    sig.params
        .iter()
        .map(|p| {
            if p.nograd {
                quote!(())
            } else {
                k += 1;
                diff(k - 1)
            }
        })
        .collect()
}

/// The statements before the closure, the value, and the closure holding
/// the rest.
fn split_body(
    g: &Graph,
    sig: &Signature,
    before: &[NodeId],
    after: &[NodeId],
    vty: &TokenStream,
) -> TokenStream {
    let mut w = Writer::new(g);
    let first = w.block(&Block {
        nodes: before.to_vec(),
    });
    let value = super::higher::value(&mut w, g, sig);
    let rest = w.block(&Block {
        nodes: after.to_vec(),
    });
    let diff: Vec<(usize, &crate::ir::Param)> = g
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| p.diff)
        .collect();
    let entries = entries_of(sig, |k| {
        let p = diff[k].1;
        let elems: Vec<TokenStream> = g.grads[k].iter().map(|&n| w.output(n)).collect();
        match p.len {
            None => elems[0].clone(),
            Some(_) if p.tuple => quote!((#(#elems,)*)),
            Some(_) => quote!([#(#elems),*]),
        }
    });
    let cot = g.params.last().expect("a VJP has its cotangent");
    let cot = super::names::ident(&cot.name, Span::call_site());
    quote! {
        #(#first)*
        (#value, move |#cot: #vty| {
            #(#rest)*
            (#(#entries,)*)
        })
    }
}
