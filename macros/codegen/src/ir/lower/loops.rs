//! Lowering of loops whose trip count is known only at run time (`for` over
//! a [`Run`] read by `seq.rs`, `while`) into [`Op::Loop`] regions.
//!
//! Which bindings a loop carries is found by lowering its body once with
//! every mutable float binding (and every integer the body assigns)
//! replaced by a fresh parameter node: those the body changes become
//! carried values, the others read their value from outside again. Loops
//! over constant ranges and arrays keep being unrolled (see `control.rs`),
//! which is fastest for small fixed sizes.

use proc_macro2::Span;
use syn::spanned::Spanned;

use super::seq::{Bind, Run};
use super::{Binding, Lowerer, Val};
use crate::ir::{walk, Block, Carried, IntOp, Loop, NodeId, Op};

impl Lowerer<'_> {
    /// Lowers `while cond { body }` into an [`Op::Loop`] with a test.
    pub(super) fn while_loop(&mut self, w: &syn::ExprWhile) {
        let span = w.while_token.span;
        self.conditional_loop(span, Some((*w.cond).clone()), &w.body, w.label.as_ref());
    }

    /// Lowers `loop { … }`, which ends by `break` (or `return`), into an
    /// [`Op::Loop`] with a test on its exit flag.
    pub(super) fn loop_expr(&mut self, l: &syn::ExprLoop) {
        if !super::exits::exits_of(&l.body.stmts).any() {
            self.cx.error_spanned_by(
                l.loop_token,
                "this `loop` never ends: end it with `if cond { break; }`, or write `while cond { … }`",
            );
            return;
        }
        self.conditional_loop(l.loop_token.span, None, &l.body, l.label.as_ref());
    }

    /// A `while` loop (`cond`) or a `loop` (no condition).
    fn conditional_loop(
        &mut self,
        span: Span,
        cond: Option<syn::Expr>,
        body: &syn::Block,
        label: Option<&syn::Label>,
    ) {
        let exits = self.has_exits && super::exits::exits_of(&body.stmts).any();
        let zero = self.push(Op::IConst(0), span);
        let run = Run {
            start: zero,
            end: zero,
            inclusive: false,
            rev: false,
            bind: Bind::Index,
            forever: cond.is_none(),
            cond,
            exits,
        };
        let pat: syn::Pat = syn::parse_quote!(_);
        self.loop_with_exits(span, &pat, run, body, label);
    }

    /// Lowers a `for` loop over a run-time range into an [`Op::Loop`].
    pub(super) fn runtime_for(&mut self, f: &syn::ExprForLoop, mut run: Run) {
        run.exits = self.has_exits && super::exits::exits_of(&f.body.stmts).any();
        self.loop_with_exits(f.for_token.span, &f.pat, run, &f.body, f.label.as_ref());
    }

    /// [`Self::runtime_loop`] over a block, with the exit flags its body needs.
    fn loop_with_exits(
        &mut self,
        span: Span,
        pat: &syn::Pat,
        run: Run,
        body: &syn::Block,
        label: Option<&syn::Label>,
    ) {
        if !run.exits {
            self.runtime_loop(span, pat, run, body, &mut |l| l.block(body));
            return;
        }
        let mark = self.env.len();
        self.prepare_loop_exit(span, label);
        self.runtime_loop(span, pat, run, body, &mut |l| {
            l.start_iteration(span);
            l.block(body)
        });
        self.end_loop_exit();
        // the flag dies with the loop
        self.env.truncate(mark);
    }

    /// A loop over `run` binding `pat` in each iteration, whose body
    /// `lower_body` lowers (a `for` body, or a closure of `sum`/`fold`);
    /// errors about the body point at `at`.
    pub(super) fn runtime_loop(
        &mut self,
        span: Span,
        pat: &syn::Pat,
        run: Run,
        at: &dyn quote::ToTokens,
        lower_body: &mut dyn FnMut(&mut Self) -> Val,
    ) {
        let loop_id = self.g.add(Op::Const(0.0), span);
        let var = self.g.add(Op::Result(loop_id), span);
        self.g.nodes[var.index()].name = Some(index_name(pat, &run.bind));

        // every mutable float binding becomes a parameter of the body
        let snapshot = self.env.clone();
        let mut params: Vec<(usize, Option<usize>, NodeId, NodeId)> = Vec::new();
        // integer variables the body assigns become integer parameters
        let assigned = assigned_names(at);
        let mut ints: Vec<(usize, NodeId, NodeId)> = Vec::new();
        for pos in 0..self.env.len() {
            if !self.env[pos].mutable {
                continue;
            }
            // an integer the body assigns, or a hidden exit flag
            let hidden = self.env[pos].name.contains('\0');
            if assigned.contains(&self.env[pos].name) || hidden {
                let init = match self.env[pos].val {
                    Val::Int(c) => usize::try_from(c)
                        .ok()
                        .map(|c| self.push(Op::IConst(c), span)),
                    Val::Idx(n) => Some(n),
                    _ => None,
                };
                if let Some(init) = init {
                    let p = self.g.add(Op::Result(loop_id), span);
                    let name = self.env[pos].name.split('\0').next().unwrap_or("flag");
                    self.g.nodes[p.index()].name = Some(name.to_string());
                    ints.push((pos, init, p));
                    self.env[pos].val = Val::Idx(p);
                    continue;
                }
            }
            // a reduction's hidden accumulator is named after its closure's
            // parameter, up to the NUL that hides it
            let name = self.env[pos]
                .name
                .split('\0')
                .next()
                .unwrap_or("acc")
                .to_string();
            let mut fresh = |g: &mut crate::ir::Graph, init: NodeId, elem: Option<usize>| {
                let p = g.add(Op::Result(loop_id), span);
                g.nodes[p.index()].name = Some(match elem {
                    Some(j) => format!("{name}_{j}"),
                    None => name.clone(),
                });
                params.push((pos, elem, init, p));
                p
            };
            match self.env[pos].val.clone() {
                Val::Num(n) => self.env[pos].val = Val::Num(fresh(&mut self.g, n, None)),
                Val::Array(v) => {
                    let ps = v
                        .iter()
                        .enumerate()
                        .map(|(j, n)| fresh(&mut self.g, *n, Some(j)))
                        .collect();
                    self.env[pos].val = Val::Array(ps);
                }
                // a struct variable the body assigns: its floats
                // (one whose fields cannot be known is reported where the
                // body assigns it)
                Val::Struct(_) if assigned.contains(&self.env[pos].name) => {
                    if let Some((items, leaves)) = self.struct_var(pos, None, span) {
                        let ps = leaves
                            .iter()
                            .enumerate()
                            .map(|(j, n)| fresh(&mut self.g, *n, Some(j)))
                            .collect();
                        self.env[pos].val = super::vcall::struct_of_items(items, ps);
                    }
                }
                _ => {}
            }
        }

        // a `while` loop's test reads the carried values at each iteration's
        // entry, and so do the exit flags of a loop that may `break`
        let mut test = None;
        if run.cond.is_some() || run.exits {
            self.blocks.push(Block::default());
            let user = match &run.cond {
                Some(c) => self.cond(c),
                None => Some(super::Cond::Const(true)),
            };
            let cond = if run.exits {
                self.loop_test(user, span)
            } else {
                user
            };
            let head = self.blocks.pop().expect("pushed above");
            match (cond, &run.cond) {
                (Some(super::Cond::Node(n)), _) => test = Some((head, n)),
                (Some(super::Cond::Const(_)), Some(c)) => self.cx.error_spanned_by(
                    c,
                    "this `while` condition is constant: a loop that never runs or never ends; \
                     compare values that the loop changes",
                ),
                _ => {}
            }
        }
        self.blocks.push(Block::default());
        let mark = self.env.len();
        let ok = self.bind_run(pat, &run.bind, var, span);
        let v = if ok { lower_body(self) } else { Val::Poison };
        self.env.truncate(mark);
        // an integer set to a constant in the body gets its node there
        let mut int_next = Vec::new();
        for &(pos, _, p) in &ints {
            let now = match self.env[pos].val.clone() {
                Val::Idx(n) => Some(n),
                Val::Int(c) => match usize::try_from(c) {
                    Ok(c) => Some(self.push(Op::IConst(c), span)),
                    Err(_) => {
                        self.cx.error_spanned_by(
                            at,
                            format!("`{}` counts in a run-time loop, so it is a `usize`: it cannot be {c}", self.env[pos].name),
                        );
                        None
                    }
                },
                _ => None,
            };
            int_next.push(now.unwrap_or(p));
        }
        let body = self.blocks.pop().expect("pushed above");
        if !matches!(v, Val::Unit | Val::Poison) {
            self.cx.error_spanned_by(
                at,
                "a loop body has no value: end its last expression with `;`, or assign it to a variable",
            );
        }

        // what changed: carried values; other bindings must not change
        let mut carried = Vec::new();
        let mut unchanged = std::collections::HashMap::new();
        for &(pos, elem, init, p) in &params {
            let now = match (&self.env[pos].val, elem) {
                (Val::Num(n), None) => Some(*n),
                (Val::Array(v), Some(j)) => v.get(j).copied(),
                (v @ Val::Struct(_), Some(j)) => {
                    super::struct_var::parts_of(v).and_then(|(_, l)| l.get(j).copied())
                }
                _ => None,
            };
            match now {
                Some(n) if n == p => {
                    unchanged.insert(p, init);
                }
                Some(next) => {
                    let out = self.g.add(Op::Result(loop_id), span);
                    self.g.nodes[out.index()].name = self.g.node(p).name.clone();
                    carried.push(Carried {
                        init,
                        param: p,
                        next,
                        out,
                        int: false,
                    });
                }
                None => {
                    unchanged.insert(p, init);
                }
            }
        }
        let mut int_outs = Vec::new();
        for (&(pos, init, p), next) in ints.iter().zip(int_next) {
            if next == p {
                unchanged.insert(p, init);
                int_outs.push((pos, None));
                continue;
            }
            let out = self.g.add(Op::Result(loop_id), span);
            self.g.nodes[out.index()].name = self.g.node(p).name.clone();
            carried.push(Carried {
                init,
                param: p,
                next,
                out,
                int: true,
            });
            int_outs.push((pos, Some(out)));
        }
        walk::substitute(&mut self.g, &body, &unchanged);
        if let Some((head, _)) = &test {
            walk::substitute(&mut self.g, head, &unchanged);
        }
        let test = test.map(|(head, cond)| {
            let cond = unchanged.get(&cond).copied().unwrap_or(cond);
            let trips = self.g.add(Op::Result(loop_id), span);
            self.g.nodes[trips.index()].name = Some("trips".into());
            crate::ir::Test {
                head,
                cond,
                trips,
                bounded: run.cond.is_none() && !run.forever,
            }
        });
        for c in &mut carried {
            c.next = unchanged.get(&c.next).copied().unwrap_or(c.next);
        }
        // the environment after the loop: results for carried values, the
        // values from before for the others
        for (pos, b) in snapshot.iter().enumerate() {
            let after = self.env[pos].val.clone();
            if let Some(&(_, out)) = int_outs.iter().find(|(p, _)| *p == pos) {
                // an integer the loop changes is its result; else as before
                let val = out.map_or_else(|| b.val.clone(), Val::Idx);
                self.env[pos] = Binding { val, ..b.clone() };
                continue;
            }
            let restored = match (&b.val, after) {
                (Val::Num(_), Val::Num(n)) => Val::Num(self.loop_out(n, &carried, &unchanged)),
                (Val::Array(_), Val::Array(v)) => Val::Array(
                    v.into_iter()
                        .map(|n| self.loop_out(n, &carried, &unchanged))
                        .collect(),
                ),
                (before, after) if *before == after => after,
                (Val::Struct(_), after @ Val::Struct(_)) => {
                    match super::struct_var::parts_of(&after) {
                        Some((items, leaves)) => {
                            let outs = leaves
                                .into_iter()
                                .map(|n| self.loop_out(n, &carried, &unchanged))
                                .collect();
                            super::vcall::struct_of_items(items, outs)
                        }
                        None => after,
                    }
                }
                (_, Val::Poison) | (Val::Poison, _) => Val::Poison,
                _ => {
                    self.cx.error_spanned_by(
                        at,
                        format!(
                            "`{}` is an integer changed inside a loop that runs a run-time number of times: \
                             not supported yet; compute it from the loop index instead",
                            b.name
                        ),
                    );
                    Val::Poison
                }
            };
            self.env[pos] = Binding {
                val: restored,
                ..b.clone()
            };
        }
        self.g.nodes[loop_id.index()].op = Op::Loop(Box::new(Loop {
            var,
            start: run.start,
            end: run.end,
            inclusive: run.inclusive,
            rev: run.rev,
            carried,
            body,
            record: Vec::new(),
            replay: None,
            test,
            undo: Vec::new(),
            record_int: Vec::new(),
            stacked: false,
        }));
        self.blocks
            .last_mut()
            .expect("a block is open")
            .nodes
            .push(loop_id);
    }

    /// The value after the loop of what is `n` at the end of its body.
    fn loop_out(
        &self,
        n: NodeId,
        carried: &[Carried],
        unchanged: &std::collections::HashMap<NodeId, NodeId>,
    ) -> NodeId {
        if let Some(c) = carried.iter().find(|c| c.param == n || c.next == n) {
            return c.out;
        }
        unchanged.get(&n).copied().unwrap_or(n)
    }

    /// Binds the loop pattern to what iteration `var` yields.
    fn bind_run(&mut self, pat: &syn::Pat, bind: &Bind, var: NodeId, span: Span) -> bool {
        let pat = match pat {
            syn::Pat::Reference(r) => &*r.pat,
            p => p,
        };
        match (pat, bind) {
            (syn::Pat::Wild(_), _) => true,
            (syn::Pat::Ident(p), Bind::Index) if p.subpat.is_none() => {
                self.bind(&p.ident, Val::Idx(var));
                true
            }
            (syn::Pat::Ident(p), Bind::Elem(k)) if p.subpat.is_none() => {
                let val = match self.g.params[*k].slice.and_then(|s| s.row) {
                    _ if self.g.params[*k].fields.is_some() => Val::Item {
                        param: *k,
                        row: var,
                        path: Vec::new(),
                    },
                    Some(_) => Val::Row(*k, var),
                    None => {
                        let load = self.push(
                            Op::Load {
                                param: *k,
                                row: var,
                                col: None,
                            },
                            span,
                        );
                        self.g.nodes[load.index()].name = Some(p.ident.to_string());
                        Val::Num(load)
                    }
                };
                self.bind(&p.ident, val);
                true
            }
            (syn::Pat::Ident(p), Bind::VecElem(buf)) if p.subpat.is_none() => {
                let get = self.push(
                    Op::Buf(crate::ir::BufOp::Get {
                        buf: *buf,
                        idx: var,
                    }),
                    span,
                );
                self.g.nodes[get.index()].name = Some(p.ident.to_string());
                self.bind(&p.ident, Val::Num(get));
                true
            }
            (
                syn::Pat::Ident(p),
                Bind::Window {
                    param,
                    width,
                    chunks,
                },
            ) if p.subpat.is_none() => {
                let start = if *chunks {
                    let w = self.push(Op::IConst(*width), span);
                    self.push(Op::IArith(IntOp::Mul, var, w), span)
                } else {
                    var
                };
                self.bind(&p.ident, Val::Window(*param, start, *width));
                true
            }
            (syn::Pat::Tuple(t), Bind::Pair(a, b)) if t.elems.len() == 2 => {
                self.bind_run(&t.elems[0], a, var, span) && self.bind_run(&t.elems[1], b, var, span)
            }
            (syn::Pat::Paren(p), _) => self.bind_run(&p.pat, bind, var, span),
            (other, _) => {
                self.cx.error_at(
                    other.span(),
                    "unsupported loop pattern: write `i`, `x`, `&x`, `(i, &x)` or `(&x, &y)`",
                );
                false
            }
        }
    }
}

/// The name of a loop's index: the pattern's own name, else `i`.
fn index_name(pat: &syn::Pat, bind: &Bind) -> String {
    match (pat, bind) {
        (syn::Pat::Ident(p), Bind::Index) => p.ident.to_string(),
        (syn::Pat::Tuple(t), Bind::Pair(a, _)) if matches!(**a, Bind::Index) => {
            match t.elems.first() {
                Some(syn::Pat::Ident(p)) => p.ident.to_string(),
                _ => "i".to_string(),
            }
        }
        _ => "i".to_string(),
    }
}

/// The names a loop body assigns to (`x = …`, `x += …`, `x[i] = …`).
fn assigned_names(body: &dyn quote::ToTokens) -> std::collections::HashSet<String> {
    use syn::visit_mut::VisitMut;
    struct Finder(std::collections::HashSet<String>);
    impl Finder {
        fn place(&mut self, e: &syn::Expr) {
            let base = match e {
                syn::Expr::Index(ix) => &*ix.expr,
                other => other,
            };
            if let Some(name) = super::plain_ident(base) {
                self.0.insert(name);
            }
        }
    }
    impl VisitMut for Finder {
        fn visit_expr_assign_mut(&mut self, a: &mut syn::ExprAssign) {
            self.place(&a.left);
            syn::visit_mut::visit_expr_assign_mut(self, a);
        }
        fn visit_expr_binary_mut(&mut self, b: &mut syn::ExprBinary) {
            if super::compound_op(&b.op).is_some() {
                self.place(&b.left);
            }
            syn::visit_mut::visit_expr_binary_mut(self, b);
        }
    }
    let mut f = Finder(std::collections::HashSet::new());
    if let Ok(mut block) = syn::parse2::<syn::Block>(quote::quote!({ #body })) {
        f.visit_block_mut(&mut block);
    }
    f.0
}
