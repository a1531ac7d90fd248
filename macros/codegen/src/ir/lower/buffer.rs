//! Lowering of local run-time buffers (`let mut v = vec![x; n];`, `v[i]`,
//! `v[i] = e`, `v.len()`) into [`BufOp`] nodes, and of writes into a
//! fixed-size array at a run-time index.

use proc_macro2::Span;
use syn::spanned::Spanned;

use super::{Lowerer, Val};
use crate::ir::{BufOp, NodeId, Op};

impl Lowerer<'_> {
    /// `vec![x; n]`; other macros are reported.
    pub(super) fn vec_macro(&mut self, m: &syn::ExprMacro) -> Val {
        if !m.mac.path.is_ident("vec") {
            self.cx.error_spanned_by(
                &m.mac,
                "macro calls are not supported in a differentiable body: the macro cannot see what they expand to",
            );
            return Val::Poison;
        }
        let tokens = &m.mac.tokens;
        let Ok(rep) = syn::parse2::<syn::ExprRepeat>(quote::quote!([#tokens])) else {
            self.cx.error_spanned_by(
                &m.mac,
                "write a run-time buffer as `vec![x; n]` (every element `x`, length `n`), \
                 then set its elements with `v[i] = …`",
            );
            return Val::Poison;
        };
        let span = m.mac.path.span();
        let init = self.expr(&rep.expr);
        let integer_suffix = matches!(&*rep.expr, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. }) if !i.suffix().is_empty());
        if integer_suffix || matches!(init, Val::Idx(_)) {
            self.cx.error_spanned_by(
                &rep.expr,
                "a buffer of integers is not supported: a run-time buffer holds floats (`vec![0.0; n]`); \
                 keep them as floats in a float buffer (`v[i] = k as f64`) and compare them as floats, \
                 or compute them from the loop indices",
            );
            return Val::Poison;
        }
        let len = self.expr(&rep.len);
        let Some(init) = self.num(init, &rep.expr) else {
            return Val::Poison;
        };
        let Some(len) = self.int_node(&len, &rep.len, span) else {
            return Val::Poison;
        };
        let buf = self.push(
            Op::Buf(BufOp::New {
                len,
                init,
                log: false,
                adj: None,
            }),
            span,
        );
        Val::Vec(buf)
    }

    /// `v[i]` of a local buffer.
    pub(super) fn vec_read(&mut self, buf: NodeId, i: &Val, at: &syn::Expr, span: Span) -> Val {
        match self.int_node(i, at, span) {
            Some(idx) => Val::Num(self.push(Op::Buf(BufOp::Get { buf, idx }), span)),
            None => Val::Poison,
        }
    }

    /// `v[i] = value;` into a local buffer.
    pub(super) fn vec_write(
        &mut self,
        buf: NodeId,
        place: &syn::Expr,
        ix: &syn::Expr,
        i: &Val,
        value: Val,
        name: &str,
    ) {
        let _ = (place, name);
        let span = ix.span();
        let Some(idx) = self.int_node(i, ix, span) else {
            return;
        };
        let Some(value) = self.num(value, ix) else {
            return;
        };
        self.push(Op::Buf(BufOp::Set { buf, idx, value }), span);
    }

    /// `a[k] = value;` into a fixed-size array at a run-time index `k`: each
    /// element becomes `if k == j { value } else { a[j] }`, after Rust's
    /// bounds check.
    pub(super) fn array_write_at(
        &mut self,
        a: Vec<NodeId>,
        k: NodeId,
        value: Val,
        ix: &syn::Expr,
    ) -> Val {
        let span = ix.span();
        let Some(value) = self.num(value, ix) else {
            return Val::Poison;
        };
        self.push(
            Op::Buf(BufOp::Check {
                idx: k,
                len: a.len(),
            }),
            span,
        );
        let out = a
            .into_iter()
            .enumerate()
            .map(|(j, old)| {
                let at = self.push(Op::IConst(j), span);
                let hit = self.push(Op::ICmp(crate::ir::Cmp::Eq, k, at), span);
                self.push(Op::Select(hit, value, old), span)
            })
            .collect();
        Val::Array(out)
    }
}
