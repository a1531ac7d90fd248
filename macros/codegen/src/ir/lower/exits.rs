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

/// The exits in `stmts` that leave them: every `return`, the unlabeled
/// `break`/`continue` not inside a loop of their own, and the labeled ones
/// whose label is not on a loop inside them. Found with a work stack (the
/// statements may nest thousands deep), in time linear in their size.
pub(super) fn exits_of(stmts: &[syn::Stmt]) -> Exits {
    let mut roots = Vec::new();
    crate::parse::flat::stmt_exprs_ref(stmts, &mut roots);
    exits_in(roots)
}

/// [`exits_of`] for one statement.
pub(super) fn exits_of_stmt(stmt: &syn::Stmt) -> Exits {
    exits_of(std::slice::from_ref(stmt))
}

/// [`exits_of`] for one expression.
pub(super) fn exits_of_expr(e: &syn::Expr) -> Exits {
    exits_in(vec![e])
}

/// The exits that leave the expressions `roots`.
fn exits_in(roots: Vec<&syn::Expr>) -> Exits {
    // an expression, or the end of a loop inside (with its label)
    enum Work<'e> {
        Expr(&'e syn::Expr),
        Leave(Option<String>),
    }
    let mut exits = Exits::default();
    let mut exprs = Vec::new();
    let mut work: Vec<Work> = roots.into_iter().rev().map(Work::Expr).collect();
    // loops entered, and how many of them carry each label
    let mut depth = 0usize;
    let mut labels: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    while let Some(w) = work.pop() {
        let e = match w {
            Work::Expr(e) => e,
            Work::Leave(label) => {
                depth -= 1;
                if let Some(l) = label {
                    *labels.get_mut(&l).expect("counted on entry") -= 1;
                }
                continue;
            }
        };
        let target = match e {
            syn::Expr::Return(_) => {
                exits.ret = true;
                None
            }
            syn::Expr::Break(b) => Some(&b.label),
            syn::Expr::Continue(c) => Some(&c.label),
            _ => None,
        };
        exits.loop_exit |= match target {
            Some(None) => depth == 0,
            Some(Some(l)) => labels.get(&l.ident.to_string()).copied().unwrap_or(0) == 0,
            None => false,
        };
        let label = match e {
            syn::Expr::ForLoop(f) => Some(&f.label),
            syn::Expr::While(w) => Some(&w.label),
            syn::Expr::Loop(l) => Some(&l.label),
            _ => None,
        };
        if let Some(label) = label {
            let name = label.as_ref().map(|l| l.name.ident.to_string());
            depth += 1;
            if let Some(n) = &name {
                *labels.entry(n.clone()).or_default() += 1;
            }
            work.push(Work::Leave(name));
        }
        crate::parse::flat::sub_exprs_ref(e, &mut exprs);
        work.extend(exprs.drain(..).rev().map(Work::Expr));
    }
    exits
}

/// The exit flags of an enclosing loop that may exit early.
#[derive(Clone, Debug)]
pub(super) struct LoopFlags {
    /// The position of its `broke` flag in the environment.
    broke: usize,
    /// The position of the current iteration's `skip` flag.
    skip: Option<usize>,
    /// Its label, without the `'`.
    label: Option<String>,
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
            s => exits_of_stmt(s).ret,
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
    pub(super) fn prepare_loop_exit(&mut self, span: Span, label: Option<&syn::Label>) {
        self.flag(BROKE, span);
        self.loops.push(LoopFlags {
            broke: self.env.len() - 1,
            skip: None,
            label: label.map(|l| l.name.ident.to_string()),
        });
    }

    /// At the start of each iteration of such a loop: its `skip` flag.
    pub(super) fn start_iteration(&mut self, span: Span) {
        self.flag(SKIP, span);
        let pos = self.env.len() - 1;
        if let Some(l) = self.loops.last_mut() {
            l.skip = Some(pos);
        }
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
    /// of the innermost loop (`with_skip`: its `skip` too), no flag of an
    /// enclosing labeled loop (a `break 'outer` or `continue 'outer` inside
    /// sets them) and no return.
    fn go(&mut self, span: Span, with_skip: bool) -> Option<NodeId> {
        let mut parts = Vec::new();
        if let Some((inner, outer)) = self.loops.split_last() {
            parts.push(inner.broke);
            if with_skip {
                parts.extend(inner.skip);
            }
            for l in outer.iter().rev().filter(|l| l.label.is_some()) {
                parts.push(l.broke);
                parts.extend(l.skip);
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

    /// The enclosing loop (an index into `loops`) that an exit with `label`
    /// leaves: the innermost one, or the one with that label.
    fn target(&mut self, label: Option<&syn::Lifetime>) -> Option<usize> {
        let Some(label) = label else {
            return Some(self.loops.len() - 1);
        };
        let name = label.ident.to_string();
        let found = self
            .loops
            .iter()
            .rposition(|l| l.label.as_deref() == Some(name.as_str()));
        if found.is_none() {
            self.cx.error_spanned_by(
                label,
                format!("no enclosing loop is labeled `{label}`: label the loop `{label}: for …`"),
            );
        }
        found
    }

    /// `break;`, `continue;` or `return e;` in statement position; `false`
    /// when `e` is none of them.
    pub(super) fn exit_statement(&mut self, e: &syn::Expr) -> bool {
        let span = crate::parse::flat::span_of(e);
        let set = |l: &mut Self, pos: usize| {
            let one = l.push(Op::IConst(1), span);
            l.env[pos].val = Val::Idx(one);
        };
        match e {
            syn::Expr::Break(b) if b.expr.is_none() && !self.loops.is_empty() => {
                if let Some(l) = self.target(b.label.as_ref()) {
                    let pos = self.loops[l].broke;
                    set(self, pos);
                }
            }
            syn::Expr::Continue(c) if !self.loops.is_empty() => {
                if let Some(l) = self.target(c.label.as_ref()) {
                    // `continue` of the loop being lowered: its own flag;
                    // of an enclosing one: that loop's current iteration's
                    match self.loops[l].skip {
                        Some(pos) => set(self, pos),
                        None => self.cx.error_spanned_by(
                            c,
                            "`continue` in the condition of a loop is not supported: write it in the body",
                        ),
                    }
                }
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
                let flag = self.flag_pos(RETURNED).expect("tested above");
                set(self, flag);
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
            exited |= self.has_exits && exits_of_stmt(stmt).any();
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
    /// of the same shape otherwise. A struct value (a literal, a call's
    /// result) crosses the `if` as the array of its floats, the struct's
    /// zero being zeros (`<S as Differentiable>::zero()`); after it, the
    /// value has its floats replaced by the `if`'s results (paths into a
    /// struct parameter, `..s`, hold no node and stay as they are).
    pub(super) fn guarded_value(&mut self, go: NodeId, init: &syn::Expr) -> Val {
        let span = crate::parse::flat::span_of(init);
        let shape = std::cell::RefCell::new(None);
        let template = std::cell::RefCell::new(None);
        let mut then = |l: &mut Self| {
            // a struct path stays a path, as in an unguarded `let`
            let mut v = l.expr_keep(init);
            if matches!(v, Val::Struct(_)) {
                match struct_floats(&mut v) {
                    Some(leaves) => {
                        let leaves = leaves.into_iter().map(|n| *n).collect();
                        *template.borrow_mut() = Some(v);
                        v = Val::Array(leaves);
                    }
                    None => {
                        l.cx.error_at(
                            span,
                            "this struct value cannot be declared after a `break`, `continue` or `return`: \
                             its fields are not all floats, arrays of floats, structs or paths into a struct \
                             parameter; declare it before them",
                        );
                        v = Val::Poison;
                    }
                }
            }
            // a tuple holding structs (`let (s, k) = f(…);`): each struct
            // part is carried as its floats, as a struct alone is
            if let Val::Tuple(parts) = &mut v {
                if parts.iter().any(|p| matches!(p, Val::Struct(_))) {
                    let whole = Val::Tuple(parts.clone());
                    let mut ok = true;
                    for p in parts.iter_mut().filter(|p| matches!(p, Val::Struct(_))) {
                        let leaves: Option<Vec<NodeId>> =
                            struct_floats(p).map(|l| l.into_iter().map(|n| *n).collect());
                        match leaves {
                            Some(leaves) => *p = Val::Array(leaves),
                            None => ok = false,
                        }
                    }
                    if ok {
                        *template.borrow_mut() = Some(whole);
                    } else {
                        l.cx.error_at(
                            span,
                            "this struct value cannot be declared after a `break`, `continue` or `return`: \
                             its fields are not all floats, arrays of floats, structs or paths into a struct \
                             parameter; declare it before them",
                        );
                        v = Val::Poison;
                    }
                }
            }
            *shape.borrow_mut() = Some(v.clone());
            v
        };
        let mut els = |l: &mut Self| {
            let like = shape.borrow().clone();
            l.default_like(like.as_ref(), span)
        };
        let v = self.runtime_if_with(go, span, &mut then, Some(&mut els));
        match (template.into_inner(), v) {
            (Some(mut t), Val::Array(merged)) => {
                if let Some(leaves) = struct_floats(&mut t) {
                    for (leaf, m) in leaves.into_iter().zip(merged) {
                        *leaf = m;
                    }
                }
                t
            }
            (Some(Val::Tuple(mut parts)), Val::Tuple(merged)) => {
                for (part, m) in parts.iter_mut().zip(merged) {
                    match m {
                        Val::Array(ms) if matches!(part, Val::Struct(_)) => {
                            for (leaf, m) in struct_floats(part).into_iter().flatten().zip(ms) {
                                *leaf = m;
                            }
                        }
                        m => *part = m,
                    }
                }
                Val::Tuple(parts)
            }
            (_, v) => v,
        }
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
            // a path into a struct parameter holds no node: the same path
            Some(other @ (Val::Int(_) | Val::Unit | Val::Poison | Val::Field { .. })) => {
                other.clone()
            }
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

/// The float nodes of a struct value, in a fixed order, to be read or
/// replaced: walked with a work list (`..rest` chains may be long). `None`
/// when a part holds another kind of node (a row of a slice of structs,
/// a tuple, an integer).
fn struct_floats(v: &mut Val) -> Option<Vec<&mut NodeId>> {
    let mut out = Vec::new();
    let mut work = vec![v];
    while let Some(v) = work.pop() {
        match v {
            Val::Num(n) => out.push(n),
            Val::Array(a) => out.extend(a.iter_mut()),
            Val::Struct(lit) => {
                work.extend(lit.fields.iter_mut().map(|(_, f)| f));
                work.extend(lit.rest.as_mut());
            }
            Val::Field { .. } => {}
            _ => return None,
        }
    }
    Some(out)
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
