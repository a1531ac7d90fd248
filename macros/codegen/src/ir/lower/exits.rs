//! Lowering of `break`, `continue`, early `return` and `loop { … }` into
//! flags, the way a person removes them by hand.
//!
//! A loop whose body may exit gets a carried flag `broke` (0 or 1, a
//! `usize`) and its body a flag `skip` reset in every iteration; a function
//! with an early `return` gets a flag `returned` and the value `ret`. The
//! statement `break;` sets `broke`, `continue;` sets `skip`, `return e;`
//! sets `returned` and `ret = e`. Every statement after one that may have
//! set a flag runs under `if` the flags are clear (a `let` computes its
//! value under that `if`, so a read that would panic is not reached), the
//! loop tests its flags before each iteration, and the function's value is
//! `ret` once `returned` is set. Each statement is guarded on its own, so
//! nothing nests deeper than the user's own code.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;

use super::{Binding, Cond, Lowerer, Val};
use crate::ir::{Cmp, NodeId, Op};

/// The hidden bindings (a NUL cannot appear in a Rust name; what precedes
/// it names the generated variable).
const BROKE: &str = "broke\0";
const SKIP: &str = "skip\0";
const RETURNED: &str = "returned\0";
const RET: &str = "ret\0";

/// Which exits a piece of code takes out of the block it sits in.
#[derive(Clone, Copy, Default)]
pub(super) struct Exits {
    /// `break` or `continue` of the enclosing loop.
    pub(super) loop_exit: bool,
    /// `return`.
    pub(super) ret: bool,
}

impl Exits {
    pub(super) fn any(self) -> bool {
        self.loop_exit || self.ret
    }
}

/// The exits in `node` that leave it: every `return`, and the
/// `break`/`continue` not inside a loop of its own.
pub(super) fn exits_of(node: &dyn quote::ToTokens) -> Exits {
    struct Finder {
        exits: Exits,
        depth: usize,
    }
    impl VisitMut for Finder {
        fn visit_expr_return_mut(&mut self, r: &mut syn::ExprReturn) {
            self.exits.ret = true;
            syn::visit_mut::visit_expr_return_mut(self, r);
        }
        fn visit_expr_break_mut(&mut self, b: &mut syn::ExprBreak) {
            self.exits.loop_exit |= self.depth == 0;
            syn::visit_mut::visit_expr_break_mut(self, b);
        }
        fn visit_expr_continue_mut(&mut self, c: &mut syn::ExprContinue) {
            self.exits.loop_exit |= self.depth == 0;
            syn::visit_mut::visit_expr_continue_mut(self, c);
        }
        fn visit_expr_for_loop_mut(&mut self, f: &mut syn::ExprForLoop) {
            self.depth += 1;
            syn::visit_mut::visit_expr_for_loop_mut(self, f);
            self.depth -= 1;
        }
        fn visit_expr_while_mut(&mut self, w: &mut syn::ExprWhile) {
            self.depth += 1;
            syn::visit_mut::visit_expr_while_mut(self, w);
            self.depth -= 1;
        }
        fn visit_expr_loop_mut(&mut self, l: &mut syn::ExprLoop) {
            self.depth += 1;
            syn::visit_mut::visit_expr_loop_mut(self, l);
            self.depth -= 1;
        }
    }
    let mut f = Finder {
        exits: Exits::default(),
        depth: 0,
    };
    if let Ok(mut block) = syn::parse2::<syn::Block>(quote::quote!({ #node })) {
        f.visit_block_mut(&mut block);
    }
    f.exits
}

impl Lowerer<'_> {
    /// A hidden flag binding, clear (0).
    fn flag(&mut self, name: &str, span: Span) {
        let zero = self.push(Op::IConst(0), span);
        self.env.push(Binding {
            name: name.to_string(),
            val: Val::Idx(zero),
            mutable: true,
        });
    }

    /// Before a function body with an early `return`: its flag and value.
    pub(super) fn prepare_return(&mut self, body: &syn::Block, span: Span) {
        let early = body.stmts.iter().enumerate().any(|(k, s)| match s {
            // `return x` as the last statement is the body's value
            syn::Stmt::Expr(syn::Expr::Return(_), _) if k + 1 == body.stmts.len() => false,
            s => exits_of(s).ret,
        });
        if early {
            self.flag(RETURNED, span);
            let zero = self.constant(0.0, span);
            self.env.push(Binding {
                name: RET.to_string(),
                val: Val::Num(zero),
                mutable: true,
            });
        }
    }

    /// Before a loop whose body may exit: its `broke` flag (the caller
    /// truncates the environment after the loop).
    pub(super) fn prepare_loop_exit(&mut self, span: Span) {
        self.flag(BROKE, span);
        self.loops.push(self.env.len() - 1);
    }

    /// At the start of each iteration of such a loop: its `skip` flag.
    pub(super) fn start_iteration(&mut self, span: Span) {
        self.flag(SKIP, span);
    }

    /// After such a loop.
    pub(super) fn end_loop_exit(&mut self) {
        self.loops.pop();
    }

    /// The position of the innermost binding called `name`.
    fn flag_pos(&self, name: &str) -> Option<usize> {
        self.env.iter().rposition(|b| b.name == name)
    }

    /// `flag == 0` for the flag at `pos`.
    fn clear(&mut self, pos: usize, span: Span) -> Option<NodeId> {
        let Val::Idx(f) = self.env[pos].val else {
            return None;
        };
        let zero = self.push(Op::IConst(0), span);
        Some(self.push(Op::ICmp(Cmp::Eq, f, zero), span))
    }

    /// The condition under which code after an exit still runs: no flag
    /// of the innermost loop (`loop_only`: only `broke`) and no return.
    fn go(&mut self, span: Span, with_skip: bool) -> Option<NodeId> {
        let mut parts = Vec::new();
        if let Some(&brk) = self.loops.last() {
            parts.push(brk);
            if with_skip {
                if let Some(s) = self.flag_pos(SKIP).filter(|&s| s > brk) {
                    parts.push(s);
                }
            }
        }
        parts.extend(self.flag_pos(RETURNED));
        // a flag still at its initial 0 needs no test
        parts.retain(
            |&p| !matches!(&self.env[p].val, Val::Idx(f) if matches!(self.g.op(*f), Op::IConst(0))),
        );
        let mut go: Option<NodeId> = None;
        for pos in parts {
            let c = self.clear(pos, span)?;
            go = Some(match go {
                Some(g) => self.push(Op::And(g, c), span),
                None => c,
            });
        }
        go
    }

    /// Whether an unrolled iteration runs: no `break` and no `return` yet.
    pub(super) fn loop_go(&mut self, span: Span) -> Option<NodeId> {
        self.go(span, false)
    }

    /// A loop's test with its exit flags: `cond && broke == 0 && returned == 0`.
    pub(super) fn loop_test(&mut self, user: Option<Cond>, span: Span) -> Option<Cond> {
        let go = self.go(span, false);
        Some(match (user?, go) {
            (c, None) => c,
            (Cond::Const(true), Some(g)) => Cond::Node(g),
            (Cond::Const(false), Some(_)) => Cond::Const(false),
            (Cond::Node(c), Some(g)) => Cond::Node(self.push(Op::And(c, g), span)),
        })
    }

    /// `break;`, `continue;` or `return e;` in statement position; `false`
    /// when `e` is none of them.
    pub(super) fn exit_statement(&mut self, e: &syn::Expr) -> bool {
        let span = crate::parse::flat::span_of(e);
        let set = |l: &mut Self, name: &str| {
            if let Some(pos) = l.flag_pos(name) {
                let one = l.push(Op::IConst(1), span);
                l.env[pos].val = Val::Idx(one);
            }
        };
        match e {
            syn::Expr::Break(b)
                if b.label.is_none() && b.expr.is_none() && !self.loops.is_empty() =>
            {
                set(self, BROKE)
            }
            syn::Expr::Continue(c) if c.label.is_none() && !self.loops.is_empty() => {
                set(self, SKIP)
            }
            syn::Expr::Return(r) if self.flag_pos(RETURNED).is_some() => {
                let Some(value) = &r.expr else {
                    self.cx.error_spanned_by(r, "`return` needs a value here");
                    return true;
                };
                let v = self.expr(value);
                let Some(v) = self.num(v, value) else {
                    return true;
                };
                let pos = self.flag_pos(RET).expect("declared with its flag");
                self.env[pos].val = Val::Num(v);
                set(self, RETURNED);
            }
            _ => return false,
        }
        true
    }

    /// Lowers a block's statements (and its value), guarding every
    /// statement that follows one that may have exited.
    pub(super) fn statements(&mut self, block: &syn::Block, fn_body: bool) -> Val {
        let mut val = Val::Unit;
        let last = block.stmts.len().saturating_sub(1);
        let mut exited = false;
        for (k, stmt) in block.stmts.iter().enumerate() {
            val = Val::Unit;
            let go = if exited {
                self.go(stmt.span(), true)
            } else {
                None
            };
            match (stmt, go) {
                (syn::Stmt::Expr(syn::Expr::Return(r), _), _) if k == last && fn_body => match &r.expr {
                    Some(e) => val = self.tail(e, go, fn_body),
                    None => self.cx.error_spanned_by(r, "`return` needs a value here"),
                },
                (syn::Stmt::Expr(e, None), _) if k == last => val = self.tail(e, go, fn_body),
                (syn::Stmt::Local(local), go) => self.local(local, go),
                (syn::Stmt::Expr(e, _), Some(go)) => {
                    let mut then = |l: &mut Self| {
                        l.statement(e);
                        Val::Unit
                    };
                    self.runtime_if_with(go, crate::parse::flat::span_of(e), &mut then, None);
                }
                (syn::Stmt::Expr(e, _), None) => self.statement(e),
                (syn::Stmt::Item(item), _) => self.cx.error_spanned_by(
                    item,
                    "items inside a differentiable body are not supported: move them out of the function",
                ),
                (syn::Stmt::Macro(m), _) => self.cx.error_spanned_by(
                    &m.mac,
                    "macro calls are not supported in a differentiable body: the macro cannot see what they expand to",
                ),
            }
            exited |= self.has_exits && exits_of(stmt).any();
        }
        val
    }

    /// The value of a block: `e`, or `if go { e } else { ret }` after an
    /// exit (in a function body, where `ret` is the value returned early).
    fn tail(&mut self, e: &syn::Expr, go: Option<NodeId>, fn_body: bool) -> Val {
        let ret = self.flag_pos(RET);
        let Some(go) = go else {
            let v = self.expr(e);
            return self.returned_or(v, crate::parse::flat::span_of(e), fn_body);
        };
        match ret.filter(|_| fn_body) {
            Some(pos) => {
                let mut then = |l: &mut Self| l.expr(e);
                let mut els = |l: &mut Self| l.env[pos].val.clone();
                self.runtime_if_with(
                    go,
                    crate::parse::flat::span_of(e),
                    &mut then,
                    Some(&mut els),
                )
            }
            None => self.guarded_value(go, e),
        }
    }

    /// A function body's value `v` reached without an exit in front of it:
    /// still `ret` if a loop before it returned.
    fn returned_or(&mut self, v: Val, span: Span, fn_body: bool) -> Val {
        let (Some(flag), Some(pos), true) = (self.flag_pos(RETURNED), self.flag_pos(RET), fn_body)
        else {
            return v;
        };
        let (Val::Num(x), Val::Num(r)) = (&v, &self.env[pos].val) else {
            return v;
        };
        let (x, r) = (*x, *r);
        match self.clear(flag, span) {
            Some(c) => Val::Num(self.push(Op::Select(c, x, r), span)),
            None => v,
        }
    }

    /// `let` after an exit: its value computed under `if go`, and a zero
    /// of the same shape otherwise.
    pub(super) fn guarded_value(&mut self, go: NodeId, init: &syn::Expr) -> Val {
        let shape = std::cell::RefCell::new(None);
        let mut then = |l: &mut Self| {
            let v = l.expr(init);
            *shape.borrow_mut() = Some(v.clone());
            v
        };
        let mut els = |l: &mut Self| {
            let like = shape.borrow().clone();
            l.default_like(like.as_ref(), crate::parse::flat::span_of(init))
        };
        self.runtime_if_with(
            go,
            crate::parse::flat::span_of(init),
            &mut then,
            Some(&mut els),
        )
    }

    /// A zero value shaped like `like`; what an untaken guarded `let` holds.
    fn default_like(&mut self, like: Option<&Val>, span: Span) -> Val {
        match like {
            None | Some(Val::Num(_)) => Val::Num(self.constant(0.0, span)),
            Some(Val::Idx(_)) => Val::Idx(self.push(Op::IConst(0), span)),
            Some(Val::Array(a)) => {
                Val::Array((0..a.len()).map(|_| self.constant(0.0, span)).collect())
            }
            Some(Val::Tuple(parts)) => Val::Tuple(
                parts
                    .iter()
                    .map(|p| self.default_like(Some(p), span))
                    .collect(),
            ),
            Some(other @ (Val::Int(_) | Val::Unit | Val::Poison)) => other.clone(),
            Some(_) => {
                self.cx.error_at(
                    span,
                    "this value cannot be declared after a `break`, `continue` or `return`: declare it before them",
                );
                Val::Poison
            }
        }
    }
}

/// Whether a body contains `break`, `continue` or `return` at all, found
/// without printing it (it may nest 10,000 deep): a walk with a work list,
/// and a scan of the tokens of macro calls.
pub(super) fn body_mentions_exits(body: &syn::Block) -> bool {
    crate::parse::flat::any_expr(&body.stmts, |e| match e {
        syn::Expr::Return(_) | syn::Expr::Break(_) | syn::Expr::Continue(_) => true,
        syn::Expr::Macro(m) => mentions_exits(m.mac.tokens.clone()),
        _ => false,
    })
}

/// Whether `tokens` contain `break`, `continue` or `return` at all (a flat
/// scan, without recursion): most bodies skip the exit analysis.
pub(super) fn mentions_exits(tokens: proc_macro2::TokenStream) -> bool {
    let mut stack = vec![tokens.into_iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(proc_macro2::TokenTree::Ident(i)) => {
                if i == "break" || i == "continue" || i == "return" {
                    return true;
                }
            }
            Some(proc_macro2::TokenTree::Group(g)) => stack.push(g.stream().into_iter()),
            Some(_) => {}
            None => {
                stack.pop();
            }
        }
    }
    false
}
