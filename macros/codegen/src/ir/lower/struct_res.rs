//! A struct result bound to a name and read by field: `let p = twist(t,
//! y); p.omega * p.omega + p.theta`, `let s = self.step(h); s.x`.
//!
//! A call is lowered as a scalar helper's until its value is read by a
//! named field: the macro never sees the helper's signature. The first
//! such read turns the call into one with a struct result
//! ([`crate::ir::PatItem::Read`]): no partials in the forward pass, and
//! each distinct path the body reads (`p.omega`, `p.arm.l1`, `p.w[2]`)
//! becomes one element of the call's [`Call::outs`](crate::ir::Call::outs),
//! made at its first read, so that branches and loops share it. The
//! derivative sweeps go through the helper's VJP (cotangent: the struct's
//! zero with the fields read set to their adjoints) and JVP (the fields
//! read off the result's tangent), as for a result taken apart by a
//! struct pattern. A binding annotated with a struct type (`let p: State
//! = f(…);`) marks the call at once.
//!
//! Such a result may also be used whole at the top of the body — passed
//! on (`g(p)`, `p.energy()`) or copied with `..p` into a literal passed
//! on — each use one more element of the call, [`PatItem::Whole`], that
//! the derivative sweeps treat as a whole struct (see
//! [`crate::ir::ResultPart`]). A function returning a struct may return
//! such a result whole, or copy it with `..p` into the literal it returns
//! ([`crate::ir::Graph::out_results`]).

use proc_macro2::Span;

use super::{Lowerer, Val};
use crate::ir::{NodeId, Op, PatItem};
use crate::types::Seg;

/// The most steps a path into a result may have.
const MAX_DEPTH: usize = 64;

impl Lowerer<'_> {
    /// The call node whose value `n` is, when that call may return a
    /// struct read by field: a call lowered as a scalar helper's (no
    /// shape, no slice passed on) or one already read by field.
    pub(super) fn struct_result_call(&self, n: NodeId) -> Option<NodeId> {
        let Op::Result(c) = self.g.op(n) else {
            return None;
        };
        let Op::Call(call) = self.g.op(*c) else {
            return None;
        };
        let scalar = call.outs.is_empty()
            && call.struct_out.is_none()
            && matches!(call.sweep, crate::ir::CallSweep::Value)
            && !call.has_slice();
        let read = call.struct_out.as_ref().is_some_and(|items| {
            items
                .iter()
                .all(|i| matches!(i, PatItem::Read(_) | PatItem::Whole(_)))
        });
        (call.value == n && (scalar || read)).then_some(*c)
    }

    /// Whether `n` is the value of a call already known to return a
    /// struct read by field.
    pub(super) fn is_struct_result(&self, n: NodeId) -> bool {
        self.struct_result_call(n)
            .is_some_and(|c| match self.g.op(c) {
                Op::Call(call) => call.struct_out.is_some(),
                _ => false,
            })
    }

    /// Notes the first use (at `span`) of each of `args` that is a call's
    /// value or element (see `Lowerer::result_uses`).
    pub(super) fn note_result_uses(&mut self, args: &[NodeId], span: Span) {
        for &a in args {
            if matches!(self.g.op(a), Op::Result(_)) {
                self.result_uses.entry(a).or_insert(span);
            }
        }
    }

    /// Makes the call node `id` one whose struct result is read by field
    /// (nothing when it already is): its partials go, as a vector
    /// helper's, and its elements are made as the body reads them.
    ///
    /// A value already used as a float (passed on, or an operand) before
    /// this first field read was lowered as one, and its derivative would
    /// be lost: that use is an error saying to annotate the binding.
    pub(super) fn mark_struct_result(&mut self, id: NodeId) {
        let Op::Call(c) = &mut self.g.nodes[id.index()].op else {
            return;
        };
        if c.struct_out.is_some() {
            return;
        }
        if let Some(&at) = self.result_uses.get(&c.value) {
            self.cx.error_at(
                at,
                "a call's struct result is used here before any of its fields is read, so it was taken for a float: annotate its binding with the struct's type, `let p: State = f(…);`, or read its fields first",
            );
            return;
        }
        for p in c.partials.iter_mut().flatten() {
            *p = None;
        }
        c.struct_out = Some(Vec::new());
    }

    /// `p.name` where `p` is the value `n` of a call: a path into its
    /// struct result, the call marked as returning one.
    pub(super) fn result_member(&mut self, call: NodeId, name: String) -> Val {
        self.mark_struct_result(call);
        Val::Res {
            call,
            path: vec![Seg::Field(name)],
        }
    }

    /// `path.name` deeper into a call's struct result.
    pub(super) fn result_deeper(
        &mut self,
        call: NodeId,
        mut path: Vec<Seg>,
        seg: Seg,
        at: &dyn quote::ToTokens,
    ) -> Val {
        if path.len() >= MAX_DEPTH {
            self.cx.error_spanned_by(at, "this field path is too deep");
            return Val::Poison;
        }
        path.push(seg);
        Val::Res { call, path }
    }

    /// The element of the call's result at `path`, made at its first read
    /// (named after the binding: `p_omega`).
    pub(super) fn result_field(&mut self, call: NodeId, path: Vec<Seg>, span: Span) -> NodeId {
        if let Some(&n) = self.result_reads.get(&(call, path.clone())) {
            return n;
        }
        let id = self.g.add(Op::Result(call), span);
        let Op::Call(c) = &mut self.g.nodes[call.index()].op else {
            unreachable!("a struct result is a call's")
        };
        c.outs.push(id);
        c.struct_out
            .get_or_insert_with(Vec::new)
            .push(PatItem::Read(path.clone()));
        let value = c.value;
        if let Some(base) = self.g.nodes[value.index()].name.clone() {
            let suffix = crate::types::FieldPath {
                segs: path.clone(),
                span,
            }
            .ident_suffix();
            self.g.nodes[id.index()].name = Some(format!("{base}_{suffix}"));
        }
        self.result_reads.insert((call, path), id);
        id
    }

    /// A call's struct result at `target` used whole as the part `source`
    /// of a struct argument (`g(p)`, `State { x, ..p }`): one more element
    /// of the call standing for this use (see [`crate::ir::ResultPart`]).
    /// Only at the top of the body, where the reverse sweep can read the
    /// consumer's gradient entry; `None` after an error.
    pub(super) fn whole_result_part(
        &mut self,
        arg: &mut crate::ir::StructArg,
        call: NodeId,
        target: Vec<Seg>,
        source: Vec<Seg>,
        zero: Vec<Vec<Seg>>,
        at: &syn::Expr,
    ) -> Option<crate::ir::StructExpr> {
        if self.blocks.len() > 1 {
            self.cx.error_spanned_by(
                at,
                "a struct result bound to a name is passed on whole only at the top of the body for now, \
                 outside `if` and run-time loops: pass it before the branch or loop, or take it apart with \
                 a struct pattern, `let State { x, v } = f(…);`, and write the value as a literal, `State { x, v }`",
            );
            return None;
        }
        self.mark_struct_result(call);
        let span = crate::parse::flat::span_of(at);
        let out = self.g.add(Op::Result(call), span);
        let Op::Call(c) = &mut self.g.nodes[call.index()].op else {
            unreachable!("a struct result is a call's")
        };
        c.outs.push(out);
        c.struct_out
            .get_or_insert_with(Vec::new)
            .push(PatItem::Whole(out));
        arg.results.push(crate::ir::ResultPart {
            out,
            call,
            target,
            source,
            zero,
        });
        Some(crate::ir::StructExpr::Res(arg.results.len() - 1))
    }

    /// A call's struct result at `target` returned whole as the part
    /// `source` of the function's struct result (`p`, `State { x, ..p }`):
    /// one more element of the call standing for the part, recorded in
    /// [`Graph::out_results`](crate::ir::Graph::out_results); `None` after
    /// an error.
    pub(super) fn returned_part(
        &mut self,
        call: NodeId,
        target: Vec<Seg>,
        source: Vec<Seg>,
        zero: Vec<Vec<Seg>>,
        span: Span,
    ) -> Option<NodeId> {
        self.mark_struct_result(call);
        let out = self.g.add(Op::Result(call), span);
        let Op::Call(c) = &mut self.g.nodes[call.index()].op else {
            unreachable!("a struct result is a call's")
        };
        // (`None` when the result was used as a float before: an error)
        c.struct_out.as_mut()?.push(PatItem::Whole(out));
        c.outs.push(out);
        self.g.out_results.push(crate::ir::ResultPart {
            out,
            call,
            target,
            source,
            zero,
        });
        Some(out)
    }

    /// The error for a call's struct result (or a struct part of it) used
    /// whole as a number.
    pub(super) fn result_used_whole(&mut self, at: &syn::Expr) {
        self.cx.error_spanned_by(
            at,
            "a struct result bound to a name is read by its float fields here (`p.x`, `p.arm.l1`); \
             to use it whole, take it apart with a struct pattern, `let State { x, v } = f(…);`, \
             and write the value as a literal, `State { x, v }`",
        );
    }
}
