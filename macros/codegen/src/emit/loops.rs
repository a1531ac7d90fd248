//! Writes run-time loops, index arithmetic, slice reads and gradient-buffer
//! writes.
//!
//! A loop with carried values `s` (and a tape, when it records) expands to
//!
//! ```text
//! let mut s = init;
//! let mut tape = vec![0.0; (start..end).len()];   // `Vec::new()` and `push` under a test
//! let mut filled = 0;
//! for i in start..end {
//!     …body…
//!     tape[filled] = s;                  // only what the reverse sweep reads
//!     filled += 1;
//!     s += term;                         // or `s = next;`, `(a, b) = (na, nb);`
//! }
//! ```
//!
//! and the loop of the reverse sweep reads the tape back from its end:
//!
//! ```text
//! let mut d_s = …;
//! let mut at = tape.len();
//! for i in (start..end).rev() {
//!     at -= 1;
//!     let s = tape[at];
//!     …recomputed body, then its adjoint…
//! }
//! ```
//!
//! The tape itself (one array per recorded value) is written by [`super::tape`].
//!
//! A stacked tape (a nested loop recorded for all its runs, see
//! [`crate::ir::Loop::stacked`]) is declared once per call and grows by
//! each run (`let mut filled = tape.len(); tape.resize(filled + trips, 0.0);`);
//! the loop replaying a run reads it from the end the same way and then
//! pops it (`tape.truncate(at);`).

use std::collections::HashSet;

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

use super::body::{next, Prec, Writer};
use super::names::{grad_buffer_name, ident};
use crate::ir::{Graph, IntOp, Loop, NodeId, Op};
use crate::rules::Prim;

impl Writer<'_> {
    /// `let mut …; for … in … { … }`
    pub(super) fn loop_statement(&mut self, n: NodeId, l: &Loop) -> TokenStream {
        let g = self.g;
        let mut pre = Vec::new();
        for c in &l.carried {
            // a literal start value gets its type: `let mut t = 0.0_f64;` (methods on `t` need it)
            let init = match g.constant(c.init) {
                Some(v) if self.inline.contains(&c.init) => {
                    super::body::literal(v, g.float, true).0
                }
                _ => self.expr(c.init).0,
            };
            let name = self.names.of(g, c.out);
            self.names.alias(g, c.param, c.out);
            pre.push(quote! { let mut #name = #init; });
        }
        let (start, end) = (self.expr(l.start).0, self.expr(l.end).0);
        let range = if l.inclusive {
            quote!(#start..=#end)
        } else {
            quote!(#start..#end)
        };
        let mut head = Vec::new();
        if !l.record.is_empty() {
            let tape = self.names.of(g, n);
            let trips = if l.inclusive {
                quote!((#range).size_hint().0)
            } else {
                quote!((#range).len())
            };
            // a range loop without a test runs every trip: its tape is sized
            // first and written by index (no growth check in the loop)
            let zero = super::body::literal(0.0, g.float, true).0;
            self.tape_alloc(&mut pre, &tape, n, l, trips, zero);
            self.tape_rows.remove(&n);
            let rowed = self.tape_rows(&mut pre, n, l, l, false);
            if l.test.is_none() && !rowed && !self.tape_fill.contains_key(&n) {
                let filled = self.names.fresh("filled");
                pre.push(quote! { let mut #filled = 0; });
                self.tape_fill.insert(n, filled);
            }
        }
        self.record_marks(n, l, &mut pre, &mut head);
        self.save_slices(n, l, &mut pre);
        // a stacked tape is popped: cut back to where this run began
        let mut pop = quote!();
        if let Some(of) = l.replay {
            let fwd = match g.op(of) {
                Op::Loop(fwd) => fwd,
                _ => unreachable!("a loop replays a loop"),
            };
            let (width, stacked) = (fwd.record.len(), fwd.stacked);
            self.tape_rows.remove(&of);
            if width > 0 && !self.tape_rows(&mut pre, of, fwd, l, true) {
                let tape = self.names.of(g, of);
                let pos = self.names.fresh("at");
                let first = if width == 1 {
                    quote!(#tape)
                } else {
                    quote!(#tape[0])
                };
                pre.push(quote! { let mut #pos = #first.len(); });
                head.push(quote! { #pos -= 1; });
                if stacked {
                    pop = if width == 1 {
                        quote! { #tape.truncate(#pos); }
                    } else {
                        quote! {
                            for plane in #tape.iter_mut() {
                                plane.truncate(#pos);
                            }
                        }
                    };
                }
                self.tape_pos.insert(of, pos);
            }
            self.roll_back(of, &mut pre, &mut head);
        }
        if let Some(t) = l.test.as_ref().filter(|t| !t.bounded) {
            return self.while_statement(n, l, t, pre, head);
        }
        self.take_rows(n, l, &mut pre);
        let var = self.names.of(g, l.var);
        // a test that may end the range early (`break`): checked first,
        // and the iterations that ran are counted when the reverse sweep needs it
        let (mut exit, mut count) = (Vec::new(), quote!());
        self.depth += 1;
        if let Some(t) = &l.test {
            let test_head = self.block(&t.head);
            let cond = self.expr(t.cond).0;
            exit.extend(test_head);
            exit.push(quote! { if !(#cond) { break; } });
            if is_read(g, t.trips) {
                let trips = self.names.of(g, t.trips);
                pre.push(quote! { let mut #trips: usize = 0; });
                count = quote! { #trips += 1; };
            }
        }
        let mut body = self.block(&l.body);
        self.rows.bufs.retain(|&(_, var), _| var != l.var);
        self.depth -= 1;
        body.extend(self.tape_push(n, l));
        let update = self.carried_update(l);
        let iter = if l.rev { quote!((#range).rev()) } else { range };
        quote! {
            #(#pre)*
            for #var in #iter {
                #(#exit)*
                #(#head)*
                #(#body)*
                #update
                #count
            }
            #pop
        }
    }

    /// `while cond { … }`, or `loop { test; if !cond { break; } … }` when the
    /// test needs statements; counts its iterations when the reverse sweep reads the count.
    fn while_statement(
        &mut self,
        n: NodeId,
        l: &Loop,
        t: &crate::ir::Test,
        mut pre: Vec<TokenStream>,
        record: Vec<TokenStream>,
    ) -> TokenStream {
        let g = self.g;
        let count = if is_read(g, t.trips) {
            let trips = self.names.of(g, t.trips);
            pre.push(quote! { let mut #trips: usize = 0; });
            quote! { #trips += 1; }
        } else {
            quote!()
        };
        self.depth += 1;
        let head = self.block(&t.head);
        let cond = self.expr(t.cond).0;
        let mut body = self.block(&l.body);
        self.depth -= 1;
        body.extend(self.tape_push(n, l));
        let update = self.carried_update(l);
        if head.is_empty() {
            quote! {
                #(#pre)*
                while #cond {
                    #(#record)*
                    #(#body)*
                    #update
                    #count
                }
            }
        } else {
            quote! {
                #(#pre)*
                loop {
                    #(#head)*
                    if !(#cond) {
                        break;
                    }
                    #(#record)*
                    #(#body)*
                    #update
                    #count
                }
            }
        }
    }

    /// The end of an iteration: each carried variable takes its next value,
    /// all at once (`(a, b) = (b, a)` swaps), or as `s += term` where that
    /// reads no other carried variable that changes.
    fn carried_update(&mut self, l: &Loop) -> TokenStream {
        let g = self.g;
        let changed: Vec<_> = l.carried.iter().filter(|c| c.next != c.param).collect();
        let params: HashSet<NodeId> = changed.iter().map(|c| c.param).collect();
        let mut adds = Vec::new();
        for c in &changed {
            let term = match g.op(c.next) {
                Op::Prim(Prim::Add, a) if a[0] == c.param && self.inline.contains(&c.next) => a[1],
                _ => break,
            };
            let reads = self.reads(term);
            if reads.iter().any(|r| params.contains(r)) {
                break;
            }
            adds.push((c.out, term));
        }
        if adds.len() == changed.len() {
            let stmts: Vec<TokenStream> = adds
                .into_iter()
                .map(|(out, term)| {
                    let name = self.names.of(g, out);
                    let t = self.expr(term).0;
                    quote! { #name += #t; }
                })
                .collect();
            return quote! { #(#stmts)* };
        }
        let names: Vec<Ident> = changed.iter().map(|c| self.names.of(g, c.out)).collect();
        let vals: Vec<TokenStream> = changed.iter().map(|c| self.expr(c.next).0).collect();
        match names.len() {
            0 => quote!(),
            1 => {
                let (n, v) = (&names[0], &vals[0]);
                quote! { #n = #v; }
            }
            _ => quote! { (#(#names),*) = (#(#vals),*); },
        }
    }

    /// The bound nodes an expression reads, looking through inlined ones.
    fn reads(&self, root: NodeId) -> HashSet<NodeId> {
        let mut out = HashSet::new();
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            if self.inline.contains(&n) {
                stack.extend(self.g.op(n).args());
            } else {
                out.insert(n);
            }
        }
        out
    }

    /// `d_xs[i] += value;`
    pub(super) fn store(
        &mut self,
        param: usize,
        row: NodeId,
        col: Option<NodeId>,
        value: NodeId,
    ) -> TokenStream {
        // into a direction `v`: the H·v buffer of the parameter it goes with
        let buf = match self.g.directions.get(&param) {
            Some(&x) => {
                let p = &self.g.params[x];
                ident(&super::names::hv_buffer_name(&p.name), p.span)
            }
            None => {
                let p = &self.g.params[param];
                ident(&grad_buffer_name(&p.name), p.span)
            }
        };
        let v = self.expr(value).0;
        if let (None, Some(r)) = (col, self.rows.stores.get(&(param, row)).cloned()) {
            let (name, i) = (r.name, self.expr(r.var).0);
            return quote! { #name[#i] += #v; };
        }
        let row = self.expr(row).0;
        match col {
            Some(c) => {
                let c = self.expr(c).0;
                quote! { #buf[#row][#c] += #v; }
            }
            None => quote! { #buf[#row] += #v; },
        }
    }

    /// Integer, slice and tape operations.
    pub(super) fn render_index(&mut self, n: NodeId) -> (TokenStream, Prec) {
        let g = self.g;
        match g.op(n) {
            Op::IConst(c) => (
                Literal::usize_unsuffixed(*c).into_token_stream(),
                Prec::Atom,
            ),
            Op::IParam(k) => {
                let id = ident(&g.params[*k].name, g.params[*k].span);
                (quote!(#id), Prec::Atom)
            }
            Op::IExtern(p) => (super::body::extern_path(p, g.node(n).span), Prec::Atom),
            Op::Len(k) => {
                let id = ident(&g.params[*k].name, g.params[*k].span);
                (quote!(#id.len()), Prec::Atom)
            }
            Op::IArith(op, a, b) if op.method().is_some() => {
                let (a, b) = (self.wrap(*a, Prec::Atom), self.expr(*b).0);
                let m = ident(op.method().unwrap_or("min"), g.node(n).span);
                (quote!(#a.#m(#b)), Prec::Atom)
            }
            Op::IArith(op, a, b) => {
                let prec = match op {
                    IntOp::Add | IntOp::Sub => Prec::Add,
                    _ => Prec::Mul,
                };
                let (l, r) = (self.wrap(*a, prec), self.wrap(*b, next(prec)));
                let sym: TokenStream = op
                    .symbol()
                    .expect("methods are handled above")
                    .parse()
                    .expect("operator tokens parse");
                (quote!(#l #sym #r), prec)
            }
            Op::ICmp(c, a, b) => {
                let (l, r) = (self.wrap(*a, Prec::Add), self.wrap(*b, Prec::Add));
                let op: TokenStream = c.symbol().parse().expect("comparison tokens parse");
                (quote!(#l #op #r), Prec::Cmp)
            }
            Op::ToFloat(a) => {
                let x = self.wrap(*a, Prec::Atom);
                let ty = Ident::new(g.float.name(), Span::call_site());
                (quote!((#x as #ty)), Prec::Atom)
            }
            Op::Load { param, row, col } => {
                if let (None, Some(r)) = (col, self.rows.loads.get(&(*param, *row)).cloned()) {
                    let (name, i) = (r.name, self.expr(r.var).0);
                    return (quote!(#name[#i]), Prec::Atom);
                }
                let id = ident(&g.params[*param].name, g.params[*param].span);
                let r = self.expr(*row).0;
                // a row of structs: the column is the index of a field path
                if let (Some(fields), Some(c)) = (&g.params[*param].fields, col) {
                    if let Op::IConst(i) = g.op(*c) {
                        let path = super::field_tokens(&fields[*i], g.params[*param].span);
                        return (quote!(#id[#r] #path), Prec::Atom);
                    }
                }
                match col {
                    Some(c) => {
                        let c = self.expr(*c).0;
                        (quote!(#id[#r][#c]), Prec::Atom)
                    }
                    None => (quote!(#id[#r]), Prec::Atom),
                }
            }
            Op::Pick(i, elems) => {
                let xs: Vec<TokenStream> = elems.iter().map(|e| self.expr(*e).0).collect();
                let i = self.expr(*i).0;
                (quote!([#(#xs),*][#i]), Prec::Atom)
            }
            Op::RecallInt { of, slot } => self.recall_int(*of, *slot),
            Op::Recall { of, slot } => {
                if let Some((rows, var)) = self.tape_rows.get(of) {
                    let (row, i) = (&rows[*slot], self.names.of(g, *var));
                    return (quote!(#row[#i]), Prec::Atom);
                }
                let tape = self.names.of(g, *of);
                let pos = self
                    .tape_pos
                    .get(of)
                    .cloned()
                    .expect("a recall sits inside the loop that replays its tape");
                let width = match g.op(*of) {
                    Op::Loop(fwd) => fwd.record.len(),
                    _ => unreachable!("a recall reads a loop's tape"),
                };
                if width == 1 {
                    (quote!(#tape[#pos]), Prec::Atom)
                } else {
                    let s = Literal::usize_unsuffixed(*slot);
                    (quote!(#tape[#s][#pos]), Prec::Atom)
                }
            }
            _ => unreachable!("render_index is called on index operations"),
        }
    }
}

use quote::ToTokens;

/// The rustdoc paragraph on what the gradient of a function with run-time
/// loops keeps in memory; `None` without loops.
pub fn memory_doc(g: &Graph) -> Option<String> {
    let mut loops = 0;
    let mut tapes = Vec::new();
    let mut logged = Vec::new();
    let mut sliced = Vec::new();
    let values = super::value_log::value_logs(g);
    let mut ints = Vec::new();
    let mut tangent_bufs = Vec::new();
    let mut marked = false;
    let mut stack = vec![&g.body];
    while let Some(b) = stack.pop() {
        for &n in &b.nodes {
            let op = g.op(n);
            if let Op::Buf(crate::ir::BufOp::New { log, .. }) = op {
                let name = format!("`{}`", g.node(n).name.as_deref().unwrap_or("buffer"));
                if *log && values.bufs.contains(&n) {
                    if !sliced.contains(&name) {
                        sliced.push(name);
                    }
                } else if *log && !logged.contains(&name) {
                    logged.push(name);
                } else if g.node(n).adjoint && g.wrt.is_some() && !tangent_bufs.contains(&name) {
                    tangent_bufs.push(name);
                }
            }
            if let Op::Loop(l) = op {
                if l.replay.is_none() {
                    loops += 1;
                    marked |= !l.undo.is_empty();
                }
                if !l.record_int.is_empty() {
                    let names: Vec<String> = l
                        .record_int
                        .iter()
                        .map(|r| format!("`{}`", g.node(*r).name.as_deref().unwrap_or("counter")))
                        .collect();
                    ints.push((l.record_int.len(), names.join(", ")));
                }
                if !l.record.is_empty() {
                    let names: Vec<String> = l
                        .record
                        .iter()
                        .map(|r| {
                            match (super::names::source_name(g, *r), g.op(*r)) {
                                (Some(name), _) => format!("`{name}`"),
                                // `record`: an unnamed call into the math library
                                (None, Op::Prim(p, _)) => {
                                    format!("an `{}` value", format!("{p:?}").to_lowercase())
                                }
                                (None, _) => "`state`".to_string(),
                            }
                        })
                        .collect();
                    tapes.push((l.record.len(), names.join(", "), l.stacked));
                }
            }
            stack.extend(crate::ir::walk::regions(op));
        }
    }
    if loops == 0 && logged.is_empty() && sliced.is_empty() && tangent_bufs.is_empty() {
        return None;
    }
    if g.wrt.is_some() {
        let mut text = String::from(
            " Memory: forward mode carries each derivative beside its value through the loops, \
             so the gradient keeps nothing per iteration.",
        );
        if !tangent_bufs.is_empty() {
            text.push_str(&format!(
                " Each local buffer the derivative flows through gets a tangent buffer of its length ({}).",
                tangent_bufs.join(", ")
            ));
        }
        return Some(text);
    }
    let marks = if marked {
        "; a loop that writes one, beyond each iteration's own element, keeps one index per \
         iteration per buffer"
    } else {
        ""
    };
    let mut buffers = (!logged.is_empty()).then(|| {
        format!(
            " Local buffers ({}): each write first saves the index and the value it overwrites on the \
             buffer's undo log, one `(usize, float)` per write, which the backward pass pops to restore \
             the buffer (an active buffer also gets an adjoint buffer of its length){marks}.",
            logged.join(", ")
        )
    });
    if !sliced.is_empty() {
        let text = format!(
            " Local buffers ({}): each loop that writes one, each iteration only its own element, \
             first saves the elements of its range on the buffer's undo log, one float per element \
             and one `(usize, usize)` range per run of the loop, which the backward pass copies back \
             to restore the buffer (an active buffer also gets an adjoint buffer of its length){}.",
            sliced.join(", "),
            if logged.is_empty() { marks } else { "" }
        );
        buffers = Some(buffers.unwrap_or_default() + &text + super::pool::memory_note(g));
    }
    if loops == 0 {
        return buffers.map(|b| format!(" Memory:{b}"));
    }
    let mut text = String::from(
        " Memory: the backward pass of each loop is a loop that recomputes each iteration's \
         intermediate values;",
    );
    if tapes.is_empty() {
        if buffers.is_some() {
            text.push_str(" no loop keeps float values per iteration on a tape (their carried values are accumulators).");
        } else {
            text.push_str(" no loop keeps per-iteration values (their carried values are accumulators), so the gradient needs O(1) extra memory.");
        }
    } else {
        for (k, (count, names, stacked)) in tapes.iter().enumerate() {
            let sep = if k == 0 { " " } else { "; " };
            let s = if *count == 1 { "" } else { "s" };
            let whole = if *stacked {
                ", for all its runs in one run of the loop around it (recorded once instead of \
                 recomputed by the backward pass: its iterations each run a loop of their own)"
            } else {
                ""
            };
            text.push_str(&format!(
                "{sep}a loop keeps {count} value{s} per iteration ({names}) on a tape allocated once per call{whole}"
            ));
        }
        let other = if tapes.iter().any(|t| t.2) {
            "Any other loop"
        } else {
            "A loop"
        };
        text.push_str(&format!(
            "; other loops keep none. {other} nested in another keeps its tape for one outer iteration at a time."
        ));
    }
    if g.record && g.checkpoint.is_none() && !tapes.is_empty() {
        text.push_str(
            " Recording (`record`): a loop whose backward pass runs apart from it also keeps, per \
             iteration, the results of its calls into the math library (`exp`, `ln`, `sin`, …) \
             that the backward pass reads, one float each, instead of calling them again.",
        );
    }
    if let Some(k) = g.checkpoint {
        text.push_str(&format!(
            " Checkpointing (`checkpoint = {k}`): a loop whose state the backward pass needs runs in \
             segments of {k} iterations; it keeps its state once per segment, and the states of one \
             segment at a time, recomputed from there (each such iteration runs forward twice)."
        ));
        text.push_str(&super::value_log::snapshot_note(g, k));
    }
    for (count, names) in ints {
        let s = if count == 1 { "" } else { "s" };
        text.push_str(&format!(
            " A loop keeps {count} integer{s} per iteration ({names}) on an index tape."
        ));
    }
    if let Some(b) = buffers {
        text.push_str(&b);
    }
    Some(text)
}

/// Whether any node reachable from the graph's body reads `n`.
fn is_read(g: &Graph, n: NodeId) -> bool {
    let mut stack = vec![&g.body];
    while let Some(b) = stack.pop() {
        for &m in &b.nodes {
            let op = g.op(m);
            if op.args().contains(&n) || crate::ir::walk::region_reads(op).contains(&n) {
                return true;
            }
            stack.extend(crate::ir::walk::regions(op));
        }
    }
    g.outputs().contains(&n)
}
