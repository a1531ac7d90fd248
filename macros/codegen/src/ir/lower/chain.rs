//! Long `if … else if …` chains (issue 11 §4), lowered so that neither the
//! lowering's recursion nor the nesting of the IR (which every later stage
//! walks, and the emitted code repeats) follows the length of the chain.
//!
//! A chain of more than [`CHUNK`] clauses is lowered [`CHUNK`] run-time
//! clauses at a time. Each chunk is an ordinary nest of `If` nodes, at most
//! [`CHUNK`] deep, whose value is paired with a flag: 1.0 where one of its
//! clauses was taken, 0.0 where the chunk fell through (its value there is
//! a placeholder of the same shape, never used). The next chunk runs under
//! `if flag < 0.5`, in an `If` at the level of the first, whose other
//! branch keeps what the earlier chunk gave:
//!
//! ```text
//! if c1 { a1 } else if c2 { a2 } … else if c64 { a64 } else { z }
//! // becomes, in the IR (and in the generated code)
//! let (v, taken) = if c1 { (a1, 1.0) } else if … if c32 { (a32, 1.0) } else { (0.0, 0.0) };
//! let (v, taken) = if taken < 0.5 { if c33 { (a33, 1.0) } … else { (z, 1.0) } } else { (v, taken) };
//! ```
//!
//! Each condition is still evaluated only when every earlier one was
//! false, and every binding a branch changes is merged as in any `if`.

use std::cell::RefCell;

use proc_macro2::Span;

use super::{Cond, Lowerer, Val};
use crate::ir::{Cmp, Op};

/// Run-time clauses per chunk: the deepest nesting of `If` nodes a chain
/// lowers to.
pub const CHUNK: usize = 32;

/// A chain as written: its clauses (the `if` token, condition, block) and
/// its final `else`, if any.
struct Chain<'e> {
    clauses: Vec<(Span, &'e syn::Expr, &'e syn::Block)>,
    els: Option<&'e syn::Expr>,
}

impl Lowerer<'_> {
    /// Lowers `i` in chunks if it is a chain of more than [`CHUNK`]
    /// clauses; `None` for a shorter one, which `if_expr` lowers as it is.
    pub(super) fn long_chain(&mut self, i: &syn::ExprIf) -> Option<Val> {
        let mut chain = Chain {
            clauses: vec![(i.if_token.span, &*i.cond, &i.then_branch)],
            els: None,
        };
        let mut next = i.else_branch.as_ref().map(|(_, e)| &**e);
        while let Some(e) = next {
            match e {
                syn::Expr::If(inner) => {
                    chain
                        .clauses
                        .push((inner.if_token.span, &*inner.cond, &inner.then_branch));
                    next = inner.else_branch.as_ref().map(|(_, e)| &**e);
                }
                other => {
                    chain.els = Some(other);
                    next = None;
                }
            }
        }
        if chain.clauses.len() <= CHUNK {
            return None;
        }
        let shape = RefCell::new(None);
        let (mut value, mut rest) = self.chunk(&chain, 0, 0, &shape);
        while let Some(k) = rest {
            let Val::Tuple(parts) = &value else {
                break;
            };
            let Some(&Val::Num(taken)) = parts.get(1) else {
                break;
            };
            let span = chain.clauses[k].0;
            let half = self.constant(0.5, span);
            let fell_through = self.push(Op::Cmp(Cmp::Lt, taken, half), span);
            let mut after = None;
            let earlier = value.clone();
            let mut next = |l: &mut Self| {
                let (v, r) = l.chunk(&chain, k, 0, &shape);
                after = r;
                v
            };
            let mut keep = |_: &mut Self| earlier.clone();
            value = self.runtime_if_with(fell_through, span, &mut next, Some(&mut keep));
            rest = after;
        }
        Some(match value {
            Val::Tuple(mut parts) if parts.len() == 2 => parts.swap_remove(0),
            _ => Val::Poison,
        })
    }

    /// Clauses `k..` of the chain, at most [`CHUNK`] run-time ones nested
    /// from `depth`: (value and flag, first clause not lowered).
    fn chunk(
        &mut self,
        chain: &Chain<'_>,
        mut k: usize,
        depth: usize,
        shape: &RefCell<Option<Val>>,
    ) -> (Val, Option<usize>) {
        loop {
            let Some(&(span, cond, then)) = chain.clauses.get(k) else {
                let v = match chain.els {
                    Some(e) => self.expr(e),
                    None => Val::Unit,
                };
                return (self.flagged(v, 1.0, span_of_end(chain)), None);
            };
            if depth >= CHUNK {
                if let Some(v) = self.placeholder(shape.borrow().as_ref(), span) {
                    return (self.flagged(v, 0.0, span), Some(k));
                }
            }
            let Some(c) = self.cond(cond) else {
                return (Val::Poison, None);
            };
            match c {
                Cond::Const(true) => {
                    let v = self.block(then);
                    return (self.flagged(v, 1.0, span), None);
                }
                Cond::Const(false) => k += 1,
                Cond::Node(c) => {
                    let last = k + 1 == chain.clauses.len();
                    let mut rest = None;
                    let mut taken = |l: &mut Self| {
                        let v = l.block(then);
                        if last && chain.els.is_none() && !matches!(v, Val::Unit | Val::Poison) {
                            l.cx.error_at(
                                span,
                                "this `if` has a value but no `else`: add an `else` branch with a value",
                            );
                            return Val::Poison;
                        }
                        shape.borrow_mut().get_or_insert_with(|| v.clone());
                        l.flagged(v, 1.0, span)
                    };
                    let mut others = |l: &mut Self| {
                        let (v, r) = l.chunk(chain, k + 1, depth + 1, shape);
                        rest = r;
                        v
                    };
                    let v = self.runtime_if_with(c, span, &mut taken, Some(&mut others));
                    return (v, rest);
                }
            }
        }
    }

    /// `(v, flag)`, the flag a new constant in the current block.
    fn flagged(&mut self, v: Val, flag: f64, span: Span) -> Val {
        if v == Val::Poison {
            return Val::Poison;
        }
        let f = self.constant(flag, span);
        Val::Tuple(vec![v, Val::Num(f)])
    }

    /// A value of the same shape as `like`, for a chunk that fell through;
    /// `None` for shapes that have no such value (integers, slices), whose
    /// chains nest as written.
    fn placeholder(&mut self, like: Option<&Val>, span: Span) -> Option<Val> {
        Some(match like? {
            Val::Num(_) => Val::Num(self.constant(0.0, span)),
            Val::Array(a) => {
                let zero = self.constant(0.0, span);
                Val::Array(vec![zero; a.len()])
            }
            Val::Tuple(parts) => Val::Tuple(
                parts
                    .iter()
                    .map(|p| self.placeholder(Some(p), span))
                    .collect::<Option<_>>()?,
            ),
            Val::Unit => Val::Unit,
            Val::Poison => Val::Poison,
            _ => return None,
        })
    }
}

/// Where the final `else` is: the last clause's `if`.
fn span_of_end(chain: &Chain<'_>) -> Span {
    chain.clauses.last().map_or_else(Span::call_site, |c| c.0)
}
