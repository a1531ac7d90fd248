//! Lower: a function body (syn) -> SSA graph.
//!
//! Bindings live in an environment of names; `let` pushes, assignment
//! replaces, and each new value is a new node, so shadowing, reassignment and
//! compound assignment all become SSA for free. Loops over constant ranges
//! and arrays are unrolled; `if` on a run-time condition becomes an
//! [`Op::If`] whose results merge every binding the branches changed.
//!
//! Mistakes are recorded in the [`Ctxt`] and lowering carries on with a
//! poisoned value, so one compile reports every independent mistake.

mod assign;
mod buffer;
mod call;
#[doc(hidden)]
pub mod chain;
mod control;
mod exits;
mod expr;
mod finish;
mod index;
mod leaf;
mod loops;
mod nested;
mod reduce;
mod seq;
mod stack;
mod struct_res;
mod struct_var;
mod strukt;
mod vcall;

use proc_macro2::Span;

use super::{Block, Graph, NodeId, Op};
use crate::ctxt::Ctxt;
use crate::types::Signature;

/// Upper bound on the nodes a body may unroll to, so that a huge loop gives
/// an error instead of an endless compile.
pub const NODE_LIMIT: usize = 2_000_000;

/// A value while lowering.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    /// A float node.
    Num(NodeId),
    /// A fixed-size array of float nodes.
    Array(Vec<NodeId>),
    /// A compile-time integer: a literal, a loop index, a length.
    Int(i64),
    /// A condition.
    Cond(Cond),
    /// A statement's "value".
    Unit,
    /// The value of something that already produced an error.
    Poison,
    /// An opaque `#[nograd]` parameter (by index): it can only be passed on.
    Opaque(usize),
    /// A run-time integer (`usize`): an index, a length, a loop variable.
    Idx(NodeId),
    /// A slice parameter (by index), read by index or walked by a loop.
    Buf(usize),
    /// A local run-time buffer `vec![x; n]`, by its `New` node.
    Vec(NodeId),
    /// Row `row` (an integer node) of a `&[[F; N]]` parameter.
    Row(usize, NodeId),
    /// `width` consecutive values of a `&[F]` parameter from `start` (an
    /// integer node): an item of `windows(width)` or `chunks_exact(width)`.
    Window(usize, NodeId, usize),
    /// A tuple of values: `(x * y, x + y)`, `x.sin_cos()`. It lives only
    /// while lowering: its parts are ordinary nodes, read by destructuring
    /// (`let (a, b) = …;`) or by field (`t.0`).
    Tuple(Vec<Val>),
    /// A struct parameter (by index) or a path into it (`s.arm`, `s.w[2]`),
    /// not read yet: see [`strukt`].
    Field {
        /// The parameter.
        param: usize,
        /// The steps into it; empty for the whole parameter.
        path: Vec<crate::types::Seg>,
    },
    /// Row `row` (an integer node) of a `&[S]` parameter of structs (by
    /// index), or a path into it (`samples[i].pos`).
    Item {
        /// The parameter.
        param: usize,
        /// The row.
        row: NodeId,
        /// The steps into the row.
        path: Vec<crate::types::Seg>,
    },
    /// A struct value built in the body (`State { x, ..s }`).
    Struct(Box<strukt::StructLit>),
    /// A path into the struct result of a call (`p.arm` for `let p =
    /// f(…);`), not read yet: see [`struct_res`].
    Res {
        /// The call node.
        call: NodeId,
        /// The steps into the result (never empty).
        path: Vec<crate::types::Seg>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Cond {
    Const(bool),
    Node(NodeId),
}

#[derive(Clone, Debug, PartialEq)]
struct Binding {
    name: String,
    val: Val,
    mutable: bool,
}

struct Lowerer<'a> {
    g: Graph,
    /// The block being appended to is the last one.
    blocks: Vec<Block>,
    env: Vec<Binding>,
    cx: &'a Ctxt,
    too_big: bool,
    /// Lowering a `grad!` closure: a lowercase name it does not bind is a
    /// variable the closure captures (see [`Lowerer::capture`]).
    captures: bool,
    /// The element made for each struct field read so far.
    struct_reads: std::collections::HashMap<(usize, Vec<crate::types::Seg>), NodeId>,
    /// `Some(m)` when the function returns `[F; m]`.
    out_len: Option<usize>,
    /// The result is a tuple of `out_len` floats.
    out_tuple: bool,
    /// Operands lowered ahead of their expression, by address (`stack.rs`).
    premade: std::collections::HashMap<usize, Val>,
    /// For each enclosing loop that may exit early, its exit flags (see
    /// `exits.rs`).
    loops: Vec<exits::LoopFlags>,
    /// The body mentions `break`, `continue` or `return` at all.
    has_exits: bool,
    /// The result shape a binding gives a call of a helper returning
    /// several floats, by the call's address (see `vcall.rs`).
    call_shapes: std::collections::HashMap<usize, vcall::Shape>,
    /// Call values indexed as arrays or read as tuples (`r.0`), each
    /// reported once (see `vcall.rs`).
    indexed_calls: std::collections::HashSet<NodeId>,
    /// The element made for each path read into a call's struct result
    /// (see `struct_res.rs`).
    result_reads: std::collections::HashMap<(NodeId, Vec<crate::types::Seg>), NodeId>,
    /// The first use of each call's value taken for a float (an operand of
    /// another node), by that value: a later field read of it is an error
    /// (see [`Lowerer::mark_struct_result`]).
    result_uses: std::collections::HashMap<NodeId, Span>,
}

/// Lowers a function body. Returns `None` if any error was recorded.
pub fn lower_fn(sig: &Signature, body: &syn::Block, cx: &Ctxt) -> Option<Graph> {
    let mut l = Lowerer::new(sig, cx);
    l.has_exits = exits::body_mentions_exits(body);
    if l.has_exits {
        l.prepare_return(body, body.brace_token.span.open());
    }
    l.expect_out_shape(body);
    let val = l.block_with(body, true);
    l.finish(val, tail_span(body))
}

/// Where a missing or wrong body value is reported: the `;` that ends the
/// last statement, or the last expression, or the closing brace.
fn tail_span(body: &syn::Block) -> Span {
    match body.stmts.last() {
        Some(syn::Stmt::Expr(_, Some(semi))) => semi.span,
        Some(syn::Stmt::Expr(e, None)) => crate::parse::flat::span_of(e),
        _ => body.brace_token.span.close(),
    }
}

/// Lowers a closure body. Returns `None` if any error was recorded.
pub fn lower_expr(sig: &Signature, body: &syn::Expr, cx: &Ctxt) -> Option<Graph> {
    let mut l = Lowerer::new(sig, cx);
    l.captures = true;
    let val = l.expr(body);
    l.finish(val, crate::parse::flat::span_of(body))
}

impl<'a> Lowerer<'a> {
    fn new(sig: &Signature, cx: &'a Ctxt) -> Self {
        let mut l = Lowerer {
            g: Graph {
                checkpoint: sig.checkpoint,
                record: sig.record,
                // the paths are filled in by `finish`
                out_struct: sig.out_struct.clone().map(|t| (t, Vec::new())),
                ..Graph::new(sig.float, sig.ir_params())
            },
            blocks: vec![Block::default()],
            env: Vec::new(),
            cx,
            too_big: false,
            captures: false,
            struct_reads: std::collections::HashMap::new(),
            out_len: sig.out_len,
            out_tuple: sig.out_tuple,
            premade: std::collections::HashMap::new(),
            loops: Vec::new(),
            has_exits: false,
            call_shapes: std::collections::HashMap::new(),
            indexed_calls: std::collections::HashSet::new(),
            result_reads: std::collections::HashMap::new(),
            result_uses: std::collections::HashMap::new(),
        };
        for (k, p) in sig.params.iter().enumerate() {
            let val = match p.len {
                _ if p.slice.is_some() => Val::Buf(k),
                _ if p.strukt => Val::Field {
                    param: k,
                    path: Vec::new(),
                },
                _ if p.opaque => Val::Opaque(k),
                _ if p.index => Val::Idx(l.push(Op::IParam(k), p.ident.span())),
                Some(n) if p.tuple => Val::Tuple(
                    (0..n)
                        .map(|i| {
                            Val::Num(l.push(
                                Op::Param {
                                    param: k,
                                    index: Some(i),
                                },
                                p.ident.span(),
                            ))
                        })
                        .collect(),
                ),
                None => Val::Num(l.push(
                    Op::Param {
                        param: k,
                        index: None,
                    },
                    p.ident.span(),
                )),
                Some(n) => Val::Array(
                    (0..n)
                        .map(|i| {
                            l.push(
                                Op::Param {
                                    param: k,
                                    index: Some(i),
                                },
                                p.ident.span(),
                            )
                        })
                        .collect(),
                ),
            };
            l.env.push(Binding {
                name: p.ident.to_string(),
                val,
                mutable: p.mutable,
            });
        }
        l
    }

    /// Adds a node to the current block.
    fn push(&mut self, op: Op, span: Span) -> NodeId {
        if self.g.nodes.len() >= NODE_LIMIT && !self.too_big {
            self.too_big = true;
            self.cx.error_at(
                span,
                format!("this body unrolls to more than {NODE_LIMIT} operations; split it into smaller `#[differentiable]` functions"),
            );
        }
        self.note_result_uses(&op.args(), span);
        let id = self.g.add(op, span);
        self.blocks
            .last_mut()
            .expect("a block is open")
            .nodes
            .push(id);
        id
    }

    fn constant(&mut self, c: f64, span: Span) -> NodeId {
        let c = self.g.float.round(c);
        self.push(Op::Const(c), span)
    }

    fn lookup(&self, name: &str) -> Option<&Binding> {
        self.env.iter().rev().find(|b| b.name == name)
    }

    /// Lowers a `{ ... }` block in its own scope; its value is its tail.
    fn block(&mut self, block: &syn::Block) -> Val {
        self.block_with(block, false)
    }

    /// A block; `fn_body` allows the function's last statement to be
    /// `return value` (a `return` anywhere else is an early return).
    fn block_with(&mut self, block: &syn::Block, fn_body: bool) -> Val {
        let mark = self.env.len();
        let val = self.statements(block, fn_body);
        self.env.truncate(mark);
        val
    }

    /// `let name (: ty)? = init;`
    fn local(&mut self, local: &syn::Local, go: Option<NodeId>) {
        let (pat, ty) = match &local.pat {
            syn::Pat::Type(pt) => (&*pt.pat, Some(&*pt.ty)),
            p => (p, None),
        };
        let Some(init) = &local.init else {
            self.cx.error_spanned_by(
                local,
                "declare the binding with its value: `let x = ...;` (a value is never left uninitialised)",
            );
            self.poison_names(pat);
            return;
        };
        if let Some((_, diverge)) = &init.diverge {
            self.cx.error_spanned_by(
                diverge,
                "`let ... else` is not supported in a differentiable body",
            );
        }
        let first_new = self.g.nodes.len();
        if !self.expect_shape(pat, ty, &init.expr) {
            self.poison_names(pat);
            return;
        }
        if self.has_exits && exits::exits_of_expr(&init.expr).any() {
            self.cx.error_spanned_by(
                &init.expr,
                "early `return`, `break` or `continue` inside the value of a `let` is not supported: \
                 write `if cond { return …; }` as a statement before the `let`",
            );
            self.poison_names(pat);
            return;
        }
        let mut val = match go {
            Some(go) => self.guarded_value(go, &init.expr),
            // a struct path stays a path (`let arm = s.arm;`) unless it is
            // declared a float or will be reassigned
            None => self.expr_keep(&init.expr),
        };
        let settle = matches!(pat, syn::Pat::Ident(p) if p.mutability.is_some())
            || ty.is_some_and(|t| crate::types::float_of_type(t).is_some());
        if settle {
            val = self.settle(val, crate::parse::flat::span_of(&init.expr));
        }
        if matches!(pat, syn::Pat::Ident(p) if p.mutability.is_some()) {
            val = self.row_to_array(val, crate::parse::flat::span_of(&init.expr));
        }
        match (ty, &val) {
            // `let p: State = f(…);`: the call returns a struct
            (Some(syn::Type::Path(tp)), Val::Num(n))
                if tp.qself.is_none()
                    && tp.path.segments.last().is_some_and(|s| {
                        s.ident
                            .to_string()
                            .starts_with(|c: char| c.is_ascii_uppercase())
                    })
                    && self.struct_result_call(*n).is_some() =>
            {
                let call = self.struct_result_call(*n).expect("checked by the guard");
                self.mark_struct_result(call);
            }
            (Some(ty), _) => self.check_annotation(ty, &val),
            (None, _) => {}
        }
        self.bind_pat(pat, val, first_new);
    }

    /// Binds a `let` pattern: a name, `_`, or a tuple of patterns taking a
    /// tuple value apart (`let (s, c) = x.sin_cos();`). The depth of the
    /// recursion is the nesting of the pattern as written.
    fn bind_pat(&mut self, pat: &syn::Pat, val: Val, first_new: usize) {
        match (pat, val) {
            (syn::Pat::Ident(p), val) if p.by_ref.is_none() && p.subpat.is_none() => {
                let mutable = p.mutability.is_some();
                if mutable && matches!(val, Val::Tuple(_)) {
                    self.cx.error_spanned_by(
                        p,
                        "a tuple cannot be reassigned: take it apart into mutable bindings, `let (mut a, mut b) = ...;`",
                    );
                    self.poison_names(pat);
                    return;
                }
                let name = p.ident.to_string();
                self.name_new(&val, &name, first_new);
                self.env.push(Binding { name, val, mutable });
            }
            (syn::Pat::Wild(_), _) => {}
            (syn::Pat::Paren(p), val) => self.bind_pat(&p.pat, val, first_new),
            (syn::Pat::Tuple(t), Val::Tuple(parts))
                if t.elems.len() == parts.len()
                    && !t.elems.iter().any(|p| matches!(p, syn::Pat::Rest(_))) =>
            {
                for (p, v) in t.elems.iter().zip(parts) {
                    self.bind_pat(p, v, first_new);
                }
            }
            // `let [u, v] = project(cam, x);`
            (syn::Pat::Slice(s), Val::Array(parts))
                if s.elems.len() == parts.len()
                    && !s.elems.iter().any(|p| matches!(p, syn::Pat::Rest(_))) =>
            {
                for (p, v) in s.elems.iter().zip(parts) {
                    self.bind_pat(p, Val::Num(v), first_new);
                }
            }
            // `let State { theta, omega } = step(s, h);`
            (syn::Pat::Struct(ps), Val::Struct(lit)) if lit.rest.is_none() => {
                let mut fields = lit.fields;
                for fp in &ps.fields {
                    let name = match &fp.member {
                        syn::Member::Named(id) => id.to_string(),
                        syn::Member::Unnamed(ix) => ix.index.to_string(),
                    };
                    match fields.iter().position(|(n, _)| *n == name) {
                        Some(k) => {
                            let (_, v) = fields.swap_remove(k);
                            self.bind_pat(&fp.pat, v, first_new);
                        }
                        None => {
                            self.cx.error_spanned_by(
                                &fp.member,
                                format!("this value has no field `{name}`"),
                            );
                            self.poison_names(&fp.pat);
                        }
                    }
                }
            }
            // `let P(a, b) = f(…);`, `= P(x, y)` or `= p`: numbered fields
            (syn::Pat::TupleStruct(ps), val) => self.bind_tuple_struct(ps, val, first_new),
            (syn::Pat::Struct(ps), Val::Poison) => {
                ps.fields.iter().for_each(|f| self.poison_names(&f.pat));
            }
            (syn::Pat::Slice(s), Val::Poison) => {
                s.elems.iter().for_each(|p| self.poison_names(p));
            }
            (syn::Pat::Tuple(t), Val::Poison) => {
                t.elems.iter().for_each(|p| self.poison_names(p));
            }
            (syn::Pat::Tuple(t), Val::Tuple(parts)) => {
                self.cx.error_spanned_by(
                    t,
                    format!(
                        "this pattern does not match the tuple: name each of its {} parts, `let (a, b) = ...;` (`..` is not supported)",
                        parts.len()
                    ),
                );
                self.poison_names(pat);
            }
            (syn::Pat::Tuple(t), _) => {
                self.cx.error_spanned_by(
                    t,
                    "this value is not a tuple: a tuple pattern takes apart `(a, b)` or `x.sin_cos()`",
                );
                self.poison_names(pat);
            }
            (other, _) => {
                self.cx.error_spanned_by(
                    other,
                    "only plain bindings and tuples of them are supported here: `let x = ...;`, `let mut x = ...;` or `let (a, b) = ...;`",
                );
                self.poison_names(other);
            }
        }
    }

    /// Binds every name in a pattern that could not be lowered to a poisoned
    /// value, so later uses do not add "cannot find" errors.
    fn poison_names(&mut self, pat: &syn::Pat) {
        match pat {
            syn::Pat::Ident(p) => self.env.push(Binding {
                name: p.ident.to_string(),
                val: Val::Poison,
                mutable: true,
            }),
            syn::Pat::Type(t) => self.poison_names(&t.pat),
            syn::Pat::Reference(r) => self.poison_names(&r.pat),
            syn::Pat::Paren(p) => self.poison_names(&p.pat),
            syn::Pat::Tuple(t) => t.elems.iter().for_each(|p| self.poison_names(p)),
            syn::Pat::Slice(s) => s.elems.iter().for_each(|p| self.poison_names(p)),
            syn::Pat::TupleStruct(t) => t.elems.iter().for_each(|p| self.poison_names(p)),
            syn::Pat::Struct(s) => s.fields.iter().for_each(|f| self.poison_names(&f.pat)),
            _ => {}
        }
    }

    /// Gives freshly made nodes the source name they were bound to.
    fn name_new(&mut self, val: &Val, name: &str, first_new: usize) {
        let set = |g: &mut Graph, id: NodeId, name: String| {
            if id.index() >= first_new && g.nodes[id.index()].name.is_none() {
                g.nodes[id.index()].name = Some(name);
            }
        };
        match val {
            Val::Num(id) | Val::Vec(id) => set(&mut self.g, *id, name.to_string()),
            Val::Array(ids) => {
                for (i, id) in ids.iter().enumerate() {
                    set(&mut self.g, *id, format!("{name}_{i}"));
                }
            }
            _ => {}
        }
    }

    fn check_annotation(&mut self, ty: &syn::Type, val: &Val) {
        let float = self.g.float;
        if !annotation_fits(ty, val, float) {
            self.cx.error_spanned_by(
                ty,
                format!(
                    "this annotation does not match the value: values here are `{}`, arrays of `{}`, or `usize` integers",
                    float.name(),
                    float.name()
                ),
            );
        }
    }

    /// An expression in statement position: assignments, loops, `if`.
    fn statement(&mut self, e: &syn::Expr) {
        match e {
            syn::Expr::Assign(a) => {
                if !self.expect_struct_assign(a) {
                    return;
                }
                let val = self.expr(&a.right);
                self.assign(&a.left, val);
            }
            syn::Expr::Binary(b) if compound_op(&b.op).is_some() => self.compound(b),
            syn::Expr::ForLoop(f) => self.for_loop(f),
            syn::Expr::While(w) => self.while_loop(w),
            syn::Expr::Loop(l) => self.loop_expr(l),
            syn::Expr::Break(_) | syn::Expr::Continue(_) | syn::Expr::Return(_)
                if self.exit_statement(e) => {}
            _ => {
                let _ = self.expr(e);
            }
        }
    }
}

/// Whether a `let` annotation describes the value: the float type, an
/// array of it with the right length, or a tuple of such.
fn annotation_fits(ty: &syn::Type, val: &Val, float: crate::types::Float) -> bool {
    match (ty, val) {
        (_, Val::Poison) => true,
        (syn::Type::Paren(p), v) => annotation_fits(&p.elem, v, float),
        (syn::Type::Group(g), v) => annotation_fits(&g.elem, v, float),
        (syn::Type::Tuple(t), Val::Tuple(parts)) => {
            t.elems.len() == parts.len()
                && t.elems
                    .iter()
                    .zip(parts)
                    .all(|(ty, v)| annotation_fits(ty, v, float))
        }
        // an integer (a count, an index) annotated as Rust types it
        (syn::Type::Path(p), Val::Int(k)) if p.path.is_ident("usize") => *k >= 0,
        (syn::Type::Path(p), Val::Idx(_)) if p.path.is_ident("usize") => true,
        (ty, val) => match (crate::types::float_of_type(ty), val) {
            (Some((f, None)), Val::Num(_)) => f == float,
            (Some((f, Some(n))), Val::Array(v)) => f == float && n == v.len(),
            _ => false,
        },
    }
}

/// The arithmetic behind a compound assignment: `Some(Some(prim))` for the
/// four supported ones, `Some(None)` for other compound operators.
fn compound_op(op: &syn::BinOp) -> Option<Option<crate::rules::Prim>> {
    use crate::rules::Prim;
    match op {
        syn::BinOp::AddAssign(_) => Some(Some(Prim::Add)),
        syn::BinOp::SubAssign(_) => Some(Some(Prim::Sub)),
        syn::BinOp::MulAssign(_) => Some(Some(Prim::Mul)),
        syn::BinOp::DivAssign(_) => Some(Some(Prim::Div)),
        syn::BinOp::RemAssign(_)
        | syn::BinOp::BitXorAssign(_)
        | syn::BinOp::BitAndAssign(_)
        | syn::BinOp::BitOrAssign(_)
        | syn::BinOp::ShlAssign(_)
        | syn::BinOp::ShrAssign(_) => Some(None),
        _ => None,
    }
}

/// The identifier of a single-segment path expression.
fn plain_ident(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Path(p) if p.qself.is_none() => p.path.get_ident().map(|i| i.to_string()),
        syn::Expr::Paren(p) => plain_ident(&p.expr),
        _ => None,
    }
}
