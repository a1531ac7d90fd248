//! Lowering of control flow: `if` (compile-time or run-time) and `for`
//! (unrolled).

use proc_macro2::Span;
use syn::spanned::Spanned;

use super::{Binding, Cond, Lowerer, Val};
use crate::ir::{Block, If, NodeId, Op};

/// The `If` node being built by [`Lowerer::join_if`]: its results so far,
/// and the integer constants each branch hands out (then, else).
struct Join {
    if_id: NodeId,
    outs: Vec<(NodeId, NodeId, NodeId)>,
    consts: [Vec<NodeId>; 2],
}

/// A lowered branch: its block, the environment it leaves and its value.
type Branch = (Block, Vec<Binding>, Val);

/// What one iteration of an unrolled loop binds.
pub(super) enum Item {
    Int(i64),
    Num(NodeId),
    Pair(i64, NodeId),
}

impl Lowerer<'_> {
    pub(super) fn if_expr(&mut self, i: &syn::ExprIf) -> Val {
        if let Some(v) = self.long_chain(i) {
            return v;
        }
        let Some(cond) = self.cond(&i.cond) else {
            return Val::Poison;
        };
        match cond {
            Cond::Const(true) => self.block(&i.then_branch),
            Cond::Const(false) => match &i.else_branch {
                Some((_, e)) => self.expr(e),
                None => Val::Unit,
            },
            Cond::Node(c) => self.runtime_if(c, i),
        }
    }

    /// Lowers both branches into their own blocks and merges every binding
    /// they changed (and the branch values) into results of one `If` node.
    fn runtime_if(&mut self, cond: NodeId, i: &syn::ExprIf) -> Val {
        let mut then = |l: &mut Self| l.block(&i.then_branch);
        match &i.else_branch {
            Some((_, e)) => {
                let mut els = |l: &mut Self| l.expr(e);
                self.runtime_if_with(cond, i.if_token.span, &mut then, Some(&mut els))
            }
            None => self.runtime_if_with(cond, i.if_token.span, &mut then, None),
        }
    }

    /// A run-time `if` on `cond` whose branches `then` and `els` lower
    /// (no `else`: `None`).
    pub(super) fn runtime_if_with(
        &mut self,
        cond: NodeId,
        span: Span,
        then: &mut dyn FnMut(&mut Self) -> Val,
        els: Option<&mut dyn FnMut(&mut Self) -> Val>,
    ) -> Val {
        let snapshot = self.env.clone();
        let has_else = els.is_some();

        self.blocks.push(Block::default());
        let then_val = then(self);
        let then_block = self.blocks.pop().expect("pushed above");
        let then_env = std::mem::replace(&mut self.env, snapshot.clone());

        self.blocks.push(Block::default());
        let else_val = match els {
            Some(e) => e(self),
            None => Val::Unit,
        };
        let else_block = self.blocks.pop().expect("pushed above");
        let else_env = std::mem::replace(&mut self.env, snapshot);
        self.join_if(
            cond,
            span,
            has_else,
            (then_block, then_env, then_val),
            (else_block, else_env, else_val),
        )
    }

    /// The `If` node on `cond` of two lowered branches, each its block, the
    /// environment it leaves and its value; the environment becomes their
    /// merge and the merged value is returned.
    fn join_if(
        &mut self,
        cond: NodeId,
        span: Span,
        has_else: bool,
        (then_block, then_env, then_val): Branch,
        (else_block, else_env, else_val): Branch,
    ) -> Val {
        // the reverse sweep restores the buffers the branches write to
        // what they held here before it recomputes the branch taken
        for buf in crate::ir::written_outside(&self.g, &[&then_block, &else_block]) {
            self.push(Op::Buf(crate::ir::BufOp::Mark(buf)), span);
        }
        let if_id = self.push(Op::Const(0.0), span);
        let mut join = Join {
            if_id,
            outs: Vec::new(),
            consts: [Vec::new(), Vec::new()],
        };
        let mut merged_env = Vec::with_capacity(then_env.len());
        for (t, e) in then_env.into_iter().zip(else_env) {
            let val = self.merge(&mut join, t.val, e.val, span, &t.name);
            merged_env.push(Binding { val, ..t });
        }
        self.env = merged_env;
        let value = match (then_val, else_val) {
            (Val::Unit, Val::Unit) => Val::Unit,
            (Val::Unit, Val::Poison) | (Val::Poison, Val::Unit) => Val::Poison,
            (t, Val::Unit) if !has_else => {
                let _ = t;
                self.cx.error_at(
                    span,
                    "this `if` has a value but no `else`: add an `else` branch with a value",
                );
                Val::Poison
            }
            (t, e) => self.merge(&mut join, t, e, span, "value"),
        };
        let [then_consts, else_consts] = join.consts;
        let mut then = then_block;
        then.nodes.extend(then_consts);
        let mut els = else_block;
        els.nodes.extend(else_consts);
        self.g.nodes[if_id.index()].op = Op::If(Box::new(If {
            cond,
            then,
            els,
            outs: join.outs,
        }));
        value
    }

    /// `a && right` (`and`) or `a || right` on a run-time `a`, with `right`
    /// evaluated only where Rust evaluates it: when `a` does not decide.
    /// A `right` that cannot panic and has no effect is computed alongside
    /// (`a && b` in the generated code); any other (an index, integer
    /// arithmetic, a call, a region) sits in an `If` on `a`:
    /// `if a { right } else { a }` for `&&`, `if a { a } else { right }`
    /// for `||`.
    pub(super) fn lazy_logic(
        &mut self,
        and: bool,
        a: NodeId,
        right: &syn::Expr,
        span: Span,
    ) -> Option<Cond> {
        let snapshot = self.env.clone();
        self.blocks.push(Block::default());
        let r = self.cond(right);
        let mut block = self.blocks.pop().expect("pushed above");
        let eager = self.env == snapshot && block.nodes.iter().all(|&n| cannot_fail(self.g.op(n)));
        let r = match r {
            Some(r) if eager => {
                self.blocks
                    .last_mut()
                    .expect("a block is open")
                    .nodes
                    .extend(block.nodes);
                return Some(self.logic(and, Cond::Node(a), r, span));
            }
            Some(r) => r,
            None => {
                self.env = snapshot;
                return None;
            }
        };
        // where `right` runs, `a` is `and`: a constant `right` is `a` or `!a`
        let decided = match r {
            Cond::Node(n) => n,
            Cond::Const(c) if c == and => a,
            Cond::Const(_) => {
                let not = self.g.add(Op::Not(a), span);
                block.nodes.push(not);
                not
            }
        };
        let right_env = std::mem::replace(&mut self.env, snapshot.clone());
        let evaluated = (block, right_env, Val::Cond(Cond::Node(decided)));
        let skipped = (Block::default(), snapshot, Val::Cond(Cond::Node(a)));
        let (then, els) = if and {
            (evaluated, skipped)
        } else {
            (skipped, evaluated)
        };
        match self.join_if(a, span, true, then, els) {
            Val::Cond(c) => Some(c),
            _ => None,
        }
    }

    /// The value after the `if` of something that is `t` in one branch and
    /// `e` in the other. A compile-time integer that differs between the
    /// branches, or is a run-time integer in the other, becomes a run-time
    /// integer (its constant made at the end of its branch).
    fn merge(&mut self, join: &mut Join, t: Val, e: Val, span: Span, what: &str) -> Val {
        let one = |l: &mut Self, join: &mut Join, a: NodeId, b: NodeId| {
            if a == b {
                return a;
            }
            let r = l.g.add(Op::Result(join.if_id), span);
            let name =
                l.g.node(a)
                    .name
                    .clone()
                    .or_else(|| l.g.node(b).name.clone());
            l.g.nodes[r.index()].name = name;
            join.outs.push((a, b, r));
            r
        };
        // a compile-time integer as a run-time one at the end of branch `side`
        let index = |l: &mut Self, join: &mut Join, side: usize, v: &Val| match v {
            Val::Int(c) => usize::try_from(*c).ok().map(|c| {
                let n = l.g.add(Op::IConst(c), span);
                join.consts[side].push(n);
                n
            }),
            Val::Idx(n) => Some(*n),
            _ => None,
        };
        match (t, e) {
            (t, e) if t == e => t,
            (Val::Poison, _) | (_, Val::Poison) => Val::Poison,
            (Val::Num(a), Val::Num(b)) => Val::Num(one(self, join, a, b)),
            (Val::Cond(Cond::Node(a)), Val::Cond(Cond::Node(b))) => {
                Val::Cond(Cond::Node(one(self, join, a, b)))
            }
            (t @ (Val::Int(_) | Val::Idx(_)), e @ (Val::Int(_) | Val::Idx(_))) => {
                match (index(self, join, 0, &t), index(self, join, 1, &e)) {
                    (Some(a), Some(b)) => Val::Idx(one(self, join, a, b)),
                    _ => {
                        self.cx.error_at(
                            span,
                            format!("`{what}` is a negative integer in one branch of this `if`: a run-time integer is a `usize`"),
                        );
                        Val::Poison
                    }
                }
            }
            (Val::Array(a), Val::Array(b)) if a.len() == b.len() => Val::Array(
                a.into_iter()
                    .zip(b)
                    .map(|(x, y)| one(self, join, x, y))
                    .collect(),
            ),
            // depth: the nesting of the tuple as written
            (Val::Tuple(a), Val::Tuple(b)) if a.len() == b.len() => Val::Tuple(
                a.into_iter()
                    .zip(b)
                    .map(|(x, y)| self.merge(join, x, y, span, what))
                    .collect(),
            ),
            // one branch already failed (a `return`, say): no second error
            _ if self.cx.has_errors() => Val::Poison,
            _ => {
                self.cx.error_at(
                    span,
                    format!("the branches of this `if` give `{what}` different types"),
                );
                Val::Poison
            }
        }
    }

    pub(super) fn for_loop(&mut self, f: &syn::ExprForLoop) {
        let items = match self.sequence(&f.expr) {
            Some(super::seq::Seq::Items(items)) => items,
            Some(super::seq::Seq::Run(run)) => return self.runtime_for(f, run),
            None => return,
        };
        let exits = self.has_exits && super::exits::exits_of(&f.body.stmts).any();
        let outer = self.env.len();
        if exits {
            self.prepare_loop_exit(f.for_token.span, f.label.as_ref());
        }
        for item in items {
            let mark = self.env.len();
            let v = match exits.then(|| self.loop_go(f.for_token.span)).flatten() {
                // each iteration runs while no `break` (or `return`) happened
                Some(go) => {
                    let item = std::cell::Cell::new(Some(item));
                    let mut then = |l: &mut Self| {
                        let m = l.env.len();
                        let item = item.take().expect("one iteration lowers its body once");
                        if !l.bind_loop_pat(&f.pat, item) {
                            return Val::Poison;
                        }
                        l.start_iteration(f.for_token.span);
                        let v = l.block(&f.body);
                        l.env.truncate(m);
                        v
                    };
                    self.runtime_if_with(go, f.for_token.span, &mut then, None)
                }
                None => {
                    if !self.bind_loop_pat(&f.pat, item) {
                        return;
                    }
                    self.block(&f.body)
                }
            };
            self.env.truncate(mark);
            if !matches!(v, Val::Unit | Val::Poison) {
                let tail = match f.body.stmts.last() {
                    Some(syn::Stmt::Expr(e, None)) => quote::quote!(#e),
                    _ => quote::quote!(#f),
                };
                self.cx.error_spanned_by(
                    tail,
                    "a loop body has no value: end this with `;`, or assign it to a variable",
                );
                return;
            }
            if self.too_big {
                return;
            }
        }
        if exits {
            self.end_loop_exit();
            self.env.truncate(outer);
        }
    }

    /// `(k, x)` for each element of a constant sequence of floats.
    pub(super) fn enumerate_items(
        &mut self,
        v: Vec<Item>,
        m: &syn::ExprMethodCall,
    ) -> Option<Vec<Item>> {
        let mut out = Vec::new();
        for (k, item) in v.into_iter().enumerate() {
            match item {
                Item::Num(n) => out.push(Item::Pair(k as i64, n)),
                _ => {
                    self.cx.error_spanned_by(&m.method, "`enumerate` is supported on arrays and slices: `for (i, &x) in a.iter().enumerate()`");
                    return None;
                }
            }
        }
        Some(out)
    }

    /// The indices of a constant range `lo..hi` (or `lo..=hi`), unrolled.
    pub(super) fn constant_range(
        &mut self,
        r: &syn::ExprRange,
        lo: i64,
        hi: i64,
    ) -> Option<Vec<Item>> {
        let hi = match r.limits {
            syn::RangeLimits::HalfOpen(_) => Some(hi),
            syn::RangeLimits::Closed(_) => hi.checked_add(1),
        };
        let count = hi.and_then(|hi| hi.checked_sub(lo)).map(|n| n.max(0));
        match count {
            Some(n) if n <= super::NODE_LIMIT as i64 => Some((lo..lo + n).map(Item::Int).collect()),
            _ => {
                self.cx.error_spanned_by(
                    r,
                    format!(
                        "this loop runs more times than macrograd unrolls ({}): split the work into smaller `#[differentiable]` functions",
                        super::NODE_LIMIT
                    ),
                );
                None
            }
        }
    }

    pub(super) fn bind_loop_pat(&mut self, pat: &syn::Pat, item: Item) -> bool {
        let pat = match pat {
            syn::Pat::Reference(r) => &*r.pat,
            p => p,
        };
        match (pat, item) {
            (syn::Pat::Wild(_), _) => true,
            (syn::Pat::Ident(p), Item::Int(i)) => {
                self.bind(&p.ident, Val::Int(i));
                true
            }
            (syn::Pat::Ident(p), Item::Num(n)) => {
                self.bind(&p.ident, Val::Num(n));
                true
            }
            (syn::Pat::Tuple(t), Item::Pair(i, n)) if t.elems.len() == 2 => {
                self.bind_loop_pat(&t.elems[0], Item::Int(i))
                    && self.bind_loop_pat(&t.elems[1], Item::Num(n))
            }
            (other, _) => {
                self.cx.error_at(
                    other.span(),
                    "unsupported loop pattern: write `i`, `x`, `&x` or `(i, &x)`",
                );
                false
            }
        }
    }

    pub(super) fn bind(&mut self, ident: &syn::Ident, val: Val) {
        self.env.push(Binding {
            name: ident.to_string(),
            val,
            mutable: false,
        });
    }
}

/// Whether a node computes a value and nothing else, and cannot panic: the
/// right side of `&&` made only of these may be evaluated eagerly.
fn cannot_fail(op: &Op) -> bool {
    matches!(
        op,
        Op::Const(_)
            | Op::Extern(_)
            | Op::Param { .. }
            | Op::Prim(..)
            | Op::Powi(..)
            | Op::Cmp(..)
            | Op::And(..)
            | Op::Or(..)
            | Op::Not(_)
            | Op::Select(..)
            | Op::IConst(_)
            | Op::IExtern(_)
            | Op::IParam(_)
            | Op::Len(_)
            | Op::ICmp(..)
            | Op::ToFloat(_)
    )
}
