//! Lowering of run-time integers and slices: `usize` arithmetic and
//! comparisons, `xs.len()`, `xs[i]`, `xs[i][j]`, `i as f64`.
//!
//! Integers known at compile time stay [`Val::Int`] and fold; as soon as
//! one operand is a run-time index the operation becomes an IR node, which
//! the generated code writes as the same Rust operator, so overflow and
//! out-of-bounds indexing panic exactly where the user's code would.

use proc_macro2::Span;
use quote::ToTokens;

use super::{Cond, Lowerer, Val};
use crate::ir::{Cmp, IntOp, NodeId, Op};
use crate::rules::Prim;

impl Lowerer<'_> {
    /// A constant item (`N`) read where an integer is wanted: its integer node.
    pub(super) fn intish(&mut self, v: Val) -> Val {
        match v {
            Val::Num(n) => match self.g.op(n) {
                Op::Extern(p) => {
                    let p = p.clone();
                    let span = self.g.node(n).span;
                    Val::Idx(self.push(Op::IExtern(p), span))
                }
                _ => v,
            },
            other => other,
        }
    }

    /// Whether `v` is an integer, or a constant item that may be one.
    fn int_like(&self, v: &Val) -> bool {
        match v {
            Val::Int(_) | Val::Idx(_) => true,
            Val::Num(n) => matches!(self.g.op(*n), Op::Extern(_)),
            _ => false,
        }
    }

    /// Whether `a ⊕ b` is integer arithmetic that needs a node: a run-time
    /// integer with an integer, or a constant item beside an integer.
    fn int_pair(&self, a: &Val, b: &Val) -> bool {
        let known = |v: &Val| matches!(v, Val::Int(_) | Val::Idx(_));
        let runtime = |v: &Val| matches!(v, Val::Idx(_));
        let both_known_one_runtime = known(a) && known(b) && (runtime(a) || runtime(b));
        let item_beside_int = self.int_like(a)
            && self.int_like(b)
            && (known(a) || known(b))
            && !(matches!(a, Val::Int(_)) && matches!(b, Val::Int(_)));
        both_known_one_runtime || item_beside_int
    }

    /// The integer node of a run-time or constant integer; reports other values.
    pub(super) fn int_node(&mut self, v: &Val, at: &dyn ToTokens, span: Span) -> Option<NodeId> {
        let v = &self.intish(v.clone());
        match v {
            Val::Idx(n) => Some(*n),
            Val::Int(c) => match usize::try_from(*c) {
                Ok(c) => Some(self.push(Op::IConst(c), span)),
                Err(_) => {
                    self.cx.error_spanned_by(
                        at,
                        format!("`{c}` is negative: indices and lengths are `usize`"),
                    );
                    None
                }
            },
            Val::Poison => None,
            _ => {
                self.cx.error_spanned_by(
                    at,
                    "expected an index (`usize`) here: a float cannot index a slice",
                );
                None
            }
        }
    }

    /// The two integer nodes of a binary integer operation: `None` when the
    /// pair is not integer arithmetic at all, `Some(None)` when an operand
    /// could not be made an integer (its error is recorded).
    fn int_operands(
        &mut self,
        a: &Val,
        b: &Val,
        ea: &syn::Expr,
        eb: &syn::Expr,
        span: Span,
    ) -> Option<Option<(NodeId, NodeId)>> {
        if !self.int_pair(a, b) {
            return None;
        }
        Some(self.int_node(a, ea, span).zip(self.int_node(b, eb, span)))
    }

    /// `a ⊕ b` when one side is a run-time integer and the other an integer.
    pub(super) fn int_arith(
        &mut self,
        op: IntOp,
        a: &Val,
        b: &Val,
        ea: &syn::Expr,
        eb: &syn::Expr,
        span: Span,
    ) -> Option<Val> {
        Some(match self.int_operands(a, b, ea, eb, span)? {
            Some((x, y)) => Val::Idx(self.push(Op::IArith(op, x, y), span)),
            None => Val::Poison,
        })
    }

    /// `a < b` (…) when one side is a run-time integer.
    pub(super) fn int_cmp(
        &mut self,
        cmp: Cmp,
        a: &Val,
        b: &Val,
        ea: &syn::Expr,
        eb: &syn::Expr,
        span: Span,
    ) -> Option<Val> {
        Some(match self.int_operands(a, b, ea, eb, span)? {
            Some((x, y)) => Val::Cond(Cond::Node(self.push(Op::ICmp(cmp, x, y), span))),
            None => Val::Poison,
        })
    }

    /// `xs[i]`, `rows[i]`, `rows[i][j]`; `None` when the base is not a slice.
    pub(super) fn slice_index(&mut self, ix: &syn::ExprIndex, base: &Val, i: &Val) -> Option<Val> {
        let span = ix.bracket_token.span.join();
        let i = &self.intish(i.clone());
        match base {
            Val::Buf(k) => {
                let Some(row) = self.int_node(i, &ix.index, span) else {
                    return Some(Val::Poison);
                };
                if self.g.params[*k].fields.is_some() {
                    return Some(Val::Item {
                        param: *k,
                        row,
                        path: Vec::new(),
                    });
                }
                Some(match self.g.params[*k].slice.and_then(|s| s.row) {
                    Some(_) => Val::Row(*k, row),
                    None => Val::Num(self.push(
                        Op::Load {
                            param: *k,
                            row,
                            col: None,
                        },
                        span,
                    )),
                })
            }
            Val::Row(k, row) => {
                let width = self.g.params[*k].slice.and_then(|s| s.row).unwrap_or(0);
                if let Val::Int(c) = i {
                    if usize::try_from(*c).map_or(true, |c| c >= width) {
                        self.cx.error_spanned_by(
                            &ix.index,
                            format!("index {c} is out of bounds for a row of length {width}"),
                        );
                        return Some(Val::Poison);
                    }
                }
                let Some(col) = self.int_node(i, &ix.index, span) else {
                    return Some(Val::Poison);
                };
                Some(Val::Num(self.push(
                    Op::Load {
                        param: *k,
                        row: *row,
                        col: Some(col),
                    },
                    span,
                )))
            }
            Val::Window(k, start, width) => match i {
                Val::Int(j) if usize::try_from(*j).is_ok_and(|j| j < *width) => {
                    let row = self.window_at(*start, *j as usize, span);
                    Some(Val::Num(self.push(
                        Op::Load {
                            param: *k,
                            row,
                            col: None,
                        },
                        span,
                    )))
                }
                Val::Poison => Some(Val::Poison),
                _ => {
                    self.cx.error_spanned_by(
                        &ix.index,
                        format!(
                            "index a window of {width} values with a constant below {width} \
                             (or loop over it); for run-time offsets index the slice itself"
                        ),
                    );
                    Some(Val::Poison)
                }
            },
            Val::Vec(b) => Some(self.vec_read(*b, i, &ix.index, span)),
            Val::Array(v) => match i {
                Val::Idx(n) => Some(Val::Num(self.push(Op::Pick(*n, v.clone()), span))),
                _ => None,
            },
            _ => None,
        }
    }

    /// A row used as a whole (bound `mut`, passed to a call, looped over):
    /// its values, loaded once.
    pub(super) fn row_to_array(&mut self, v: Val, span: Span) -> Val {
        if let Val::Window(k, start, width) = v {
            let elems = (0..width)
                .map(|j| {
                    let row = self.window_at(start, j, span);
                    self.push(
                        Op::Load {
                            param: k,
                            row,
                            col: None,
                        },
                        span,
                    )
                })
                .collect();
            return Val::Array(elems);
        }
        let Val::Row(k, row) = v else {
            return v;
        };
        let width = self.g.params[k].slice.and_then(|s| s.row).unwrap_or(0);
        let elems = (0..width)
            .map(|j| {
                let col = self.push(Op::IConst(j), span);
                self.push(
                    Op::Load {
                        param: k,
                        row,
                        col: Some(col),
                    },
                    span,
                )
            })
            .collect();
        Val::Array(elems)
    }

    /// `.len()` of a slice or a row.
    pub(super) fn slice_len(&mut self, v: &Val, span: Span) -> Option<Val> {
        match v {
            Val::Buf(k) => Some(Val::Idx(self.push(Op::Len(*k), span))),
            Val::Vec(b) => Some(Val::Idx(
                self.push(Op::Buf(crate::ir::BufOp::Len(*b)), span),
            )),
            Val::Row(k, _) => {
                let width = self.g.params[*k].slice.and_then(|s| s.row).unwrap_or(0);
                Some(Val::Int(width as i64))
            }
            Val::Window(_, _, width) => Some(Val::Int(*width as i64)),
            _ => None,
        }
    }

    /// `i as f64` for a run-time integer, `x as usize` for an integer.
    pub(super) fn int_cast(&mut self, v: &Val, c: &syn::ExprCast) -> Option<Val> {
        let span = c.as_token.span;
        if crate::types::is_usize(&c.ty) {
            return Some(match v {
                Val::Int(_) | Val::Idx(_) | Val::Poison => v.clone(),
                _ => {
                    self.cx.error_spanned_by(
                        &c.ty,
                        "only integers convert to `usize`: a float cannot be used as an index",
                    );
                    Val::Poison
                }
            });
        }
        match v {
            Val::Idx(n) => {
                let (f, _) = crate::types::float_of_type(&c.ty)?;
                if f != self.g.float {
                    return None;
                }
                Some(Val::Num(self.push(Op::ToFloat(*n), span)))
            }
            _ => None,
        }
    }
}

impl Lowerer<'_> {
    /// `i.min(n)`, `i.max(n)`, `i.abs_diff(n)`, `i.saturating_sub(n)`,
    /// `i.pow(2)` on an integer
    /// receiver: folded when both are known at compile time, a node
    /// otherwise; any other method on an integer is reported.
    pub(super) fn int_method(&mut self, recv: Val, m: &syn::ExprMethodCall) -> Val {
        let name = m.method.to_string();
        let span = m.method.span();
        let Some(op) = IntOp::from_method(&name) else {
            self.cx.error_at(
                span,
                format!(
                    "method `{name}` is not supported on an integer: integers support \
                     `+ - * / %`, `min`, `max`, `abs_diff`, `saturating_sub`, `pow` and comparisons; \
                     convert with `as f64` (or `as f32`) for float methods"
                ),
            );
            return Val::Poison;
        };
        if m.args.len() != 1 {
            self.cx.error_at(
                span,
                format!("`{name}` takes 1 argument, {} given", m.args.len()),
            );
            return Val::Poison;
        }
        let arg = &m.args[0];
        let b = self.expr(arg);
        if op == IntOp::Pow && !matches!(b, Val::Int(_) | Val::Poison) {
            self.cx.error_spanned_by(
                arg,
                "the exponent of an integer `pow` must be a constant such as `2`",
            );
            return Val::Poison;
        }
        if let (Val::Int(x), Val::Int(y)) = (&recv, &b) {
            // the `usize` operation itself, as the generated code runs it
            let r = usize::try_from(*x)
                .ok()
                .zip(usize::try_from(*y).ok())
                .and_then(|(x, y)| op.apply(x, y))
                .and_then(|r| i64::try_from(r).ok());
            return match r {
                Some(r) => Val::Int(r),
                None => {
                    self.cx
                        .error_at(span, format!("this integer `{name}` overflows"));
                    Val::Poison
                }
            };
        }
        let x = self.int_node(&recv, &m.receiver, span);
        let y = self.int_node(&b, arg, span);
        match x.zip(y) {
            Some((x, y)) => Val::Idx(self.push(Op::IArith(op, x, y), span)),
            None => Val::Poison,
        }
    }
}

/// The integer operation of an arithmetic primitive.
pub(super) fn int_op(p: Prim) -> IntOp {
    match p {
        Prim::Add => IntOp::Add,
        Prim::Sub => IntOp::Sub,
        Prim::Mul => IntOp::Mul,
        _ => IntOp::Div,
    }
}

impl Lowerer<'_> {
    /// The flat index `start + j` of a window's element `j`.
    pub(super) fn window_at(&mut self, start: NodeId, j: usize, span: Span) -> NodeId {
        if j == 0 {
            return start;
        }
        let j = self.push(Op::IConst(j), span);
        self.push(Op::IArith(IntOp::Add, start, j), span)
    }
}
