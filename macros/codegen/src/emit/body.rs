//! Writes a simplified graph as the statements of a Rust function body.
//!
//! A node is written inline into its only user when it has no name of its
//! own and sits in the same block; every other node gets a `let`. Operator
//! precedence decides where parentheses go, so the output reads like code a
//! person wrote: `let d_pred = 2.0 * (pred - y);`.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned};

use super::names::Names;
use super::uses::inlined;
use crate::ir::walk::{region_reads, regions};
use crate::ir::{Block, Float, Graph, NodeId, Op};
use crate::rules::{Prim, Syntax};

/// Top-level statements per block once a body is longer than this.
const CHUNK: usize = 128;

/// The values a top-level statement binds.
fn defined_by(g: &Graph, n: NodeId) -> Vec<NodeId> {
    match g.op(n) {
        // a recording loop also defines its tape, named after the loop node
        Op::Loop(l) if !l.record.is_empty() => std::iter::once(n)
            .chain(l.carried.iter().map(|c| c.out))
            .collect(),
        Op::Loop(l) => l.carried.iter().map(|c| c.out).collect(),
        Op::Store { .. } => Vec::new(),
        Op::If(i) => i.outs.iter().map(|o| o.2).collect(),
        Op::Call(c) => c.results(),
        Op::Nested(c) => c.outs.clone(),
        _ => vec![n],
    }
}

/// Binding strength of an expression, loosest first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Prec {
    If = 0,
    Or = 4,
    And = 5,
    Cmp = 6,
    Add = 7,
    Mul = 8,
    Prefix = 9,
    Atom = 10,
}

/// The writer: knows the graph, the names chosen so far and which nodes are inlined.
pub struct Writer<'g> {
    pub(super) g: &'g Graph,
    pub(super) names: Names,
    pub(super) inline: HashSet<NodeId>,
    /// For each recording loop, the variable holding the reverse loop's
    /// position on its tape.
    pub(super) tape_pos: HashMap<NodeId, Ident>,
    /// For each recording loop whose tape is sized before it, the count of
    /// entries written so far.
    pub(super) tape_fill: HashMap<NodeId, Ident>,
    /// For each recording loop whose tape is written (and for its reverse
    /// loop, read) through rows indexed by the loop's variable: one row per
    /// plane (see `super::tape`), and that variable.
    pub(super) tape_rows: HashMap<NodeId, (Vec<Ident>, NodeId)>,
    /// The gradient variable of each differentiable struct parameter.
    pub(super) struct_grads: HashMap<usize, Ident>,
    /// In `name_hvp`, each differentiable struct parameter's H·v variable,
    /// which the tangents of `AddStruct` statements add into.
    pub(super) struct_tangents: HashMap<usize, Ident>,
    /// The result tangent of each JVP call of a helper returning a struct
    /// bound to a name, which the calls passed it whole read (see
    /// `ir::ResultPart`).
    pub(super) result_tangents: HashMap<NodeId, Ident>,
    /// The variable each struct field read is bound to, by (parameter,
    /// element).
    pub(super) struct_reads: HashMap<(usize, usize), Ident>,
    /// The projection of each field of a differentiable struct parameter
    /// the body reads, by the same key: writes the gradient's field.
    pub(super) struct_fields_mut: HashMap<(usize, usize), Ident>,
    /// The undo log of each logged local buffer, by its `New` node.
    pub(super) logs: HashMap<NodeId, Ident>,
    /// The buffers whose undo log keeps slices of values, and the loops saving them.
    pub(super) value_logs: super::value_log::ValueLogs,
    /// The saved values and the saved ranges of each value log.
    pub(super) value_names: HashMap<NodeId, (Ident, Ident)>,
    /// For each loop recording undo-log lengths, its marks tape.
    pub(super) marks: HashMap<NodeId, Ident>,
    /// For each loop recording an index tape, the position of the loop
    /// replaying it.
    pub(super) marks_pos: HashMap<NodeId, Ident>,
    /// The loops that a reverse sweep's loop replays.
    pub(super) replayed: HashSet<NodeId>,
    /// How many loops enclose the statement being written.
    pub(super) depth: usize,
    /// Declarations of the tapes of loops nested in other loops, put at the
    /// top of the function: each is allocated once per call and cleared
    /// where the loop starts, its capacity kept from one outer iteration to
    /// the next.
    pub(super) hoisted: Vec<TokenStream>,
    /// The nodes at the top level of the function's body (a value log
    /// declared there is kept between calls, see [`super::pool`]).
    pub(super) top_level: HashSet<NodeId>,
    /// Statements putting such logs back, written just before the result.
    pub(super) put_back: Vec<TokenStream>,
    /// The rows taken before loops (see [`super::rows`]).
    pub(super) rows: super::rows::Rows,
    /// The vector calls whose VJP reuses their value call's forward
    /// values (see [`super::vsaved`]).
    pub(super) saved: super::vsaved::Saved,
    /// For each element standing for a use of a call's struct result
    /// whole, the consuming call (see `vcall_reads::whole_uses`).
    pub(super) whole_uses: super::vcall_reads::WholeUses<'g>,
}

impl<'g> Writer<'g> {
    /// Prepares to write `g`.
    pub fn new(g: &'g Graph) -> Self {
        let inline = inlined(g);
        let replayed = g
            .nodes
            .iter()
            .filter_map(|node| match &node.op {
                Op::Loop(l) => l.replay,
                _ => None,
            })
            .collect();
        Writer {
            g,
            names: Names::new(g),
            inline,
            tape_pos: HashMap::new(),
            tape_fill: HashMap::new(),
            tape_rows: HashMap::new(),
            struct_grads: HashMap::new(),
            struct_tangents: HashMap::new(),
            result_tangents: HashMap::new(),
            struct_reads: HashMap::new(),
            struct_fields_mut: HashMap::new(),
            logs: HashMap::new(),
            value_logs: super::value_log::value_logs(g),
            value_names: HashMap::new(),
            marks: HashMap::new(),
            marks_pos: HashMap::new(),
            replayed,
            depth: 0,
            hoisted: Vec::new(),
            top_level: g.body.nodes.iter().copied().collect(),
            put_back: Vec::new(),
            rows: Default::default(),
            saved: super::vsaved::Saved::of(g),
            whole_uses: super::vcall_reads::whole_uses(g),
        }
    }

    /// The whole body: statements, then `(value, gradient)`.
    pub fn body(&mut self, grads: TokenStream) -> TokenStream {
        let g = self.g;
        let nodes: Vec<NodeId> = g
            .body
            .nodes
            .iter()
            .copied()
            .filter(|n| !self.inline.contains(n))
            .collect();
        // a buffer lives in the scope that declares it: no chunks around it
        let buffers = nodes.iter().any(|&n| matches!(g.op(n), Op::Buf(_)));
        if nodes.len() <= CHUNK || buffers {
            let stmts = self.block(&g.body);
            let (hoisted, put_back) = (&self.hoisted, &self.put_back);
            return quote! { #(#hoisted)* #(#stmts)* #(#put_back)* #grads };
        }
        // Long straight-line code goes in blocks of CHUNK statements that
        // hand on the values later code reads, so `let` scopes nest about
        // n/CHUNK + CHUNK deep instead of n (rustc's debug info recurses once
        // per nested scope).
        let uses: Vec<HashSet<NodeId>> = nodes.iter().map(|&n| self.bound_refs(n, true)).collect();
        let mut later = HashSet::new();
        for o in g.outputs() {
            later.extend(self.bound_refs(o, false));
        }
        let chunks: Vec<&[NodeId]> = nodes.chunks(CHUNK).collect();
        let mut live_outs = vec![Vec::new(); chunks.len()];
        let mut at = nodes.len();
        for (c, chunk) in chunks.iter().enumerate().rev() {
            at -= chunk.len();
            let defined: Vec<NodeId> = chunk.iter().flat_map(|&n| defined_by(g, n)).collect();
            live_outs[c] = defined.into_iter().filter(|d| later.contains(d)).collect();
            for u in &uses[at..at + chunk.len()] {
                later.extend(u.iter().copied());
            }
        }
        let mut out = Vec::new();
        for (chunk, live) in chunks.iter().zip(&live_outs) {
            let stmts: Vec<TokenStream> = chunk.iter().map(|&n| self.statement(n)).collect();
            let names: Vec<Ident> = live.iter().map(|&n| self.names.of(g, n)).collect();
            out.push(match names.len() {
                0 => quote! { { #(#stmts)* } },
                1 => {
                    let v = &names[0];
                    quote! { let #v = { #(#stmts)* #v }; }
                }
                _ => quote! { let (#(#names),*) = { #(#stmts)* (#(#names),*) }; },
            });
        }
        let hoisted = &self.hoisted;
        quote! { #(#hoisted)* #(#out)* #grads }
    }

    /// The bound (not inlined) nodes that `root` reads, looking through
    /// inlined expressions and into nested blocks: as a statement (what its
    /// right-hand side reads) or as an expression (itself, if bound).
    fn bound_refs(&self, root: NodeId, statement: bool) -> HashSet<NodeId> {
        let g = self.g;
        let mut found = HashSet::new();
        let mut stack: Vec<NodeId> = Vec::new();
        let push_reads = |stack: &mut Vec<NodeId>, n: NodeId| {
            stack.extend(g.op(n).args());
            let mut ops = vec![g.op(n)];
            while let Some(op) = ops.pop() {
                stack.extend(region_reads(op));
                for b in regions(op) {
                    for &m in &b.nodes {
                        stack.extend(g.op(m).args());
                        ops.push(g.op(m));
                    }
                }
            }
        };
        if statement {
            push_reads(&mut stack, root);
        } else {
            stack.push(root);
        }
        let mut seen = HashSet::new();
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            if self.inline.contains(&n) {
                push_reads(&mut stack, n);
            } else {
                found.insert(n);
            }
        }
        found
    }

    /// The expression for output `n`.
    pub fn output(&mut self, n: NodeId) -> TokenStream {
        self.expr(n).0
    }

    pub(super) fn block(&mut self, block: &Block) -> Vec<TokenStream> {
        let mut out = Vec::new();
        for &n in &block.nodes {
            if self.inline.contains(&n) {
                continue;
            }
            out.push(self.statement(n));
        }
        out
    }

    fn statement(&mut self, n: NodeId) -> TokenStream {
        let g = self.g;
        match g.op(n) {
            Op::Loop(l) => self.loop_statement(n, l),
            Op::Buf(b) => self.buf_statement(n, b),
            Op::Store {
                param,
                row,
                col,
                value,
            } => self.store(*param, *row, *col, *value),
            Op::AddStruct(a) => self.add_struct(a, g.node(n).span),
            Op::If(i) => {
                let pats: Vec<_> = i.outs.iter().map(|o| self.names.of(g, o.2)).collect();
                let cond = self.expr(i.cond).0;
                let then = self.block(&i.then);
                let then_vals: Vec<_> = i.outs.iter().map(|o| self.branch_value(o.0)).collect();
                let els = self.block(&i.els);
                let else_vals: Vec<_> = i.outs.iter().map(|o| self.branch_value(o.1)).collect();
                // a conditional statement (a guarded store) hands out nothing
                if pats.is_empty() {
                    let els = (!els.is_empty()).then(|| quote!(else { #(#els)* }));
                    return quote! { if #cond { #(#then)* } #els };
                }
                let (pat, tv, ev) = if pats.len() == 1 {
                    let (p, t, e) = (&pats[0], &then_vals[0], &else_vals[0]);
                    (quote!(#p), quote!(#t), quote!(#e))
                } else {
                    (
                        quote!((#(#pats),*)),
                        quote!((#(#then_vals),*)),
                        quote!((#(#else_vals),*)),
                    )
                };
                quote! {
                    let #pat = if #cond { #(#then)* #tv } else { #(#els)* #ev };
                }
            }
            Op::Call(c) => self.call_statement(n, c),
            Op::Nested(c) => self.nested_statement(n, c),
            _ => {
                let name = self.names.of(g, n);
                let e = self.render(n).0;
                quote! { let #name = #e; }
            }
        }
    }

    /// A reference to a node: its name, or its expression when inlined.
    pub(super) fn expr(&mut self, n: NodeId) -> (TokenStream, Prec) {
        if self.inline.contains(&n) {
            return self.render(n);
        }
        let id = self.names.of(self.g, n);
        (quote!(#id), Prec::Atom)
    }

    pub(super) fn wrap(&mut self, n: NodeId, min: Prec) -> TokenStream {
        let (t, p) = self.expr(n);
        if p < min {
            quote!((#t))
        } else {
            t
        }
    }

    /// A node's own expression.
    fn render(&mut self, n: NodeId) -> (TokenStream, Prec) {
        let g = self.g;
        match g.op(n) {
            Op::Const(c) => literal(*c, g.float, false),
            Op::StructDot(d) => (self.struct_dot(d, g.node(n).span), Prec::Atom),
            Op::Extern(p) => {
                // `as` so that a constant of another type is reported once,
                // by rustc on the function as written, not again here
                let span = g.node(n).span;
                let path = extern_path(p, span);
                // spanned on the name, so that rustc's error for a captured
                // variable that is not a number points at it
                let ty = Ident::new(g.float.name(), span);
                (quote_spanned!(span=> (#path as #ty)), Prec::Atom)
            }
            Op::Param { param, index } => {
                let id = super::names::ident(&g.params[*param].name, g.params[*param].span);
                match index {
                    None => (quote!(#id), Prec::Atom),
                    Some(i) if self.struct_reads.contains_key(&(*param, *i)) => {
                        let id = &self.struct_reads[&(*param, *i)];
                        (quote!(#id), Prec::Atom)
                    }
                    Some(i) if g.params[*param].fields.is_some() => {
                        let f = &g.params[*param].fields.as_ref().expect("checked")[*i];
                        let path = super::field_tokens(f, g.params[*param].span);
                        (quote!(#id #path), Prec::Atom)
                    }
                    Some(i) if g.params[*param].tuple => {
                        let i = syn::Index::from(*i);
                        (quote!(#id.#i), Prec::Atom)
                    }
                    Some(i) => {
                        let i = Literal::usize_unsuffixed(*i);
                        (quote!(#id[#i]), Prec::Atom)
                    }
                }
            }
            Op::Prim(p, args) => self.prim(*p, args),
            Op::Powi(a, k) => {
                let r = self.receiver(*a);
                let k = Literal::i32_unsuffixed(*k);
                (quote!(#r.powi(#k)), Prec::Atom)
            }
            Op::Cmp(c, a, b) => {
                let (l, r) = (self.wrap(*a, Prec::Add), self.wrap(*b, Prec::Add));
                let op: TokenStream = c.symbol().parse().expect("comparison tokens parse");
                (quote!(#l #op #r), Prec::Cmp)
            }
            Op::And(a, b) => {
                let (l, r) = (self.wrap(*a, Prec::And), self.wrap(*b, Prec::Cmp));
                (quote!(#l && #r), Prec::And)
            }
            Op::Or(a, b) => {
                let (l, r) = (self.wrap(*a, Prec::Or), self.wrap(*b, Prec::And));
                (quote!(#l || #r), Prec::Or)
            }
            Op::Not(a) => {
                let x = self.wrap(*a, Prec::Atom);
                (quote!(!#x), Prec::Prefix)
            }
            Op::Select(c, a, b) => {
                let (c, a) = (self.expr(*c).0, self.expr(*a).0);
                let (b, p) = self.expr(*b);
                if p == Prec::If {
                    // a nested select reads as `else if`
                    (quote!(if #c { #a } else #b), Prec::If)
                } else {
                    (quote!(if #c { #a } else { #b }), Prec::If)
                }
            }
            Op::If(_)
            | Op::Call(_)
            | Op::Nested(_)
            | Op::Result(_)
            | Op::Loop(_)
            | Op::Store { .. } => {
                let id = self.names.of(g, n);
                (quote!(#id), Prec::Atom)
            }
            Op::Buf(b) => self.render_buf(b),
            _ => self.render_index(n),
        }
    }

    /// What a branch of an `if` hands out: a constant typed (`2.0_f64`),
    /// since the binding the `if` makes has no annotation and both
    /// branches may be constants (`(if c { 2.0 } else { 0.1 }).cos()`
    /// would not infer a type).
    fn branch_value(&mut self, n: NodeId) -> TokenStream {
        match self.g.constant(n) {
            Some(c) if self.inline.contains(&n) => literal(c, self.g.float, true).0,
            _ => self.expr(n).0,
        }
    }

    pub(super) fn receiver(&mut self, a: NodeId) -> TokenStream {
        match self.g.constant(a) {
            Some(c) if self.inline.contains(&a) => literal(c, self.g.float, true).0,
            _ => self.wrap(a, Prec::Atom),
        }
    }

    fn prim(&mut self, p: Prim, args: &[NodeId]) -> (TokenStream, Prec) {
        match p.syntax() {
            Syntax::Infix(sym) => {
                let prec = if matches!(p, Prim::Mul | Prim::Div) {
                    Prec::Mul
                } else {
                    Prec::Add
                };
                let l = self.wrap(args[0], prec);
                let r = self.wrap(args[1], next(prec));
                let op: TokenStream = sym.parse().expect("operator tokens parse");
                (quote!(#l #op #r), prec)
            }
            Syntax::Prefix(sym) => {
                let x = self.wrap(args[0], Prec::Atom);
                let op: TokenStream = sym.parse().expect("operator tokens parse");
                (quote!(#op #x), Prec::Prefix)
            }
            Syntax::Method(m) => {
                let r = self.receiver(args[0]);
                let m = Ident::new(m, Span::call_site());
                let rest: Vec<_> = args[1..].iter().map(|a| self.expr(*a).0).collect();
                (quote!(#r.#m(#(#rest),*)), Prec::Atom)
            }
            Syntax::OpsFn(f) | Syntax::Internal(f) => {
                let f = Ident::new(f, Span::call_site());
                let xs: Vec<_> = args.iter().map(|a| self.expr(*a).0).collect();
                (quote!(::macrograd::ops::#f(#(#xs),*)), Prec::Atom)
            }
        }
    }
}

use proc_macro2::Ident;

pub(super) fn next(p: Prec) -> Prec {
    match p {
        Prec::Add => Prec::Mul,
        Prec::Mul => Prec::Prefix,
        other => other,
    }
}

/// A float literal; typed (`2.0_f64`) where inference needs it.
pub(super) fn literal(c: f64, float: Float, typed: bool) -> (TokenStream, Prec) {
    let ty = Ident::new(float.name(), Span::call_site());
    if c.is_nan() {
        return (quote!(#ty::NAN), Prec::Atom);
    }
    if c.is_infinite() {
        return if c > 0.0 {
            (quote!(#ty::INFINITY), Prec::Atom)
        } else {
            (quote!(#ty::NEG_INFINITY), Prec::Atom)
        };
    }
    let text = match float {
        Float::F32 => format!("{:?}", c.abs() as f32),
        Float::F64 => format!("{:?}", c.abs()),
    };
    let text = if typed {
        format!("{text}_{}", float.name())
    } else {
        text
    };
    let lit: TokenStream = text
        .parse()
        .expect("a float's Debug form is a Rust literal");
    if c.is_sign_negative() {
        if typed {
            (quote!((-#lit)), Prec::Atom)
        } else {
            (quote!(-#lit), Prec::Prefix)
        }
    } else {
        (lit, Prec::Atom)
    }
}

/// The parameter an array argument is, when it is a whole parameter in order.
pub(super) fn whole_param(g: &Graph, v: &[NodeId]) -> Option<usize> {
    let Op::Param {
        param,
        index: Some(0),
    } = g.op(*v.first()?)
    else {
        return None;
    };
    let whole = !g.params[*param].tuple
        && g.params[*param].len == Some(v.len())
        && v.iter().enumerate().all(|(i, n)| {
            *g.op(*n)
                == Op::Param {
                    param: *param,
                    index: Some(i),
                }
        });
    whole.then_some(*param)
}

/// The path of a constant item of the surrounding code (`SCALE`,
/// `physics::G`), spanned on the user's name so rustc's errors about it
/// point there.
pub(super) fn extern_path(path: &str, span: Span) -> TokenStream {
    let path: syn::Path = syn::parse_str(path).expect("lowering stores a parsed path");
    quote!(#path)
        .into_iter()
        .map(|mut t| {
            t.set_span(span);
            t
        })
        .collect()
}
