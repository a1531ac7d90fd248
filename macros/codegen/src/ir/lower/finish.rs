//! The end of lowering: the body's value becomes the graph's value (or,
//! for `-> [F; m]`, its elements), or an error says what the body should
//! end with.

use proc_macro2::Span;

use super::{Lowerer, Val};
use crate::ir::Graph;

impl Lowerer<'_> {
    pub(super) fn finish(mut self, val: Val, end: Span) -> Option<Graph> {
        match val {
            Val::Num(n) => match self.out_len {
                None => self.g.value = n,
                Some(_) => self.vector_mismatch(end),
            },
            Val::Array(v) if self.out_len == Some(v.len()) => {
                self.g.value = v[0];
                self.g.outs = v;
            }
            Val::Array(_) if self.out_len.is_some() => self.vector_mismatch(end),
            // `-> (F, F)`: a tuple of as many floats
            Val::Tuple(parts)
                if self.out_tuple
                    && self.out_len == Some(parts.len())
                    && parts.iter().all(|v| matches!(v, Val::Num(_))) =>
            {
                let v: Vec<_> = parts
                    .into_iter()
                    .filter_map(|v| match v {
                        Val::Num(n) => Some(n),
                        _ => None,
                    })
                    .collect();
                self.g.value = v[0];
                self.g.outs = v;
            }
            Val::Tuple(_) if self.out_tuple => self.vector_mismatch(end),
            Val::Poison => {}
            Val::Unit => self.cx.error_at(
                end,
                "this body has no value: end it with an expression of the float type, without a semicolon",
            ),
            Val::Int(i) => self.cx.error_at(
                end,
                format!("the body's value is an integer: a differentiable function returns a float; write `{i}.0`"),
            ),
            Val::Array(_) => self.cx.error_at(
                end,
                "the body's value is an array: a differentiable function returns one scalar",
            ),
            Val::Cond(_) => self.cx.error_at(end, "the body's value is a condition, not a float"),
            Val::Opaque(_) => self.cx.error_at(end, "the body's value is an opaque input, not a float"),
            Val::Idx(_) => self.cx.error_at(end, "the body's value is an integer: a differentiable function returns a float; convert it with `as f64`"),
            Val::Buf(_) | Val::Vec(_) | Val::Row(..) | Val::Window(..) => self.cx.error_at(end, "the body's value is a slice: a differentiable function returns one scalar"),
            Val::Tuple(_) => self.cx.error_at(end, "the body's value is a tuple: a differentiable function returns one scalar"),
            Val::Field { path, .. } if !path.is_empty() => unreachable!("a field path at the end is settled by `expr`"),
            Val::Field { .. } | Val::Struct(_) | Val::Item { .. } => self.cx.error_at(end, "the body's value is a struct: a differentiable function returns one scalar; return one of its fields (`s.x`)"),
        }
        if self.cx.has_errors() {
            return None;
        }
        self.g.body = self
            .blocks
            .pop()
            .expect("the top-level block is never popped");
        Some(self.g)
    }

    /// The body's value does not have the length the signature gives.
    fn vector_mismatch(&self, end: Span) {
        let m = self.out_len.unwrap_or_default();
        let msg = if self.out_tuple {
            format!("the function returns a tuple of {m} floats: end the body with a tuple of {m} values, `(a, b, …)`")
        } else {
            format!("the function returns `[_; {m}]`: end the body with an array of {m} values, `[a, b, …]`")
        };
        self.cx.error_at(end, msg);
    }
}
