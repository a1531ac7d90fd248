//! Writes local run-time buffers, their undo logs and the rollback of a
//! reverse loop (see [`crate::ir::BufOp`]).
//!
//! ```text
//! let mut v = vec![0.0; n];
//! let mut v_log: Vec<(usize, f64)> = Vec::new();   // gradient code only
//! v_log.push((i, v[i]));                           // before each write
//! v[i] = e;
//! if let Some((i, old)) = v_log.pop() { v[i] = old; }   // its reverse
//! ```
//!
//! A loop that writes a logged buffer declared outside it pushes the log's
//! length at each iteration's entry on `marks`; the loop undoing it first
//! rolls the log back to that length: `for (i, old) in v_log.drain(m..).rev() { v[i] = old; }`.
//!
//! A buffer written only at the top of loops whose iterations each write
//! their own element keeps a value-only log instead (`v_saved`, `v_spans`;
//! see [`super::value_log`]): such a loop saves the slice of its range
//! before it starts, and rolling back copies the saved slices back, last
//! first.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

use super::body::{Prec, Writer};
use crate::ir::{BufOp, Loop, NodeId, Op};

impl Writer<'_> {
    /// The statement of a buffer operation that has no value.
    pub(super) fn buf_statement(&mut self, n: NodeId, op: &BufOp) -> TokenStream {
        let g = self.g;
        match op {
            BufOp::New { len, init, log, .. } => {
                let name = self.names.of(g, n);
                let init = match g.constant(*init) {
                    Some(v) if self.inline.contains(init) => {
                        super::body::literal(v, g.float, true).0
                    }
                    _ => self.expr(*init).0,
                };
                let len = self.expr(*len).0;
                let mut out = quote! { let mut #name = ::std::vec![#init; #len]; };
                let ty = Ident::new(g.float.name(), Span::call_site());
                if *log && self.value_logs.bufs.contains(&n) {
                    let (saved, spans) = self.value_log_names(n);
                    // at the top of the body: kept from call to call
                    if self.top_level.contains(&n) && super::pool::enabled() {
                        let (declare, put_back) =
                            super::pool::pooled_log(&saved, &ty, self.put_back.len());
                        out.extend(declare);
                        self.put_back.push(put_back);
                    } else {
                        out.extend(quote! {
                            let mut #saved: ::std::vec::Vec<#ty> = ::std::vec::Vec::new();
                        });
                    }
                    out.extend(quote! {
                        let mut #spans: ::std::vec::Vec<(usize, usize)> = ::std::vec::Vec::new();
                    });
                } else if *log {
                    let log = self.log_name(n);
                    out.extend(quote! {
                        let mut #log: ::std::vec::Vec<(usize, #ty)> = ::std::vec::Vec::new();
                    });
                }
                out
            }
            BufOp::Set { buf, idx, value } => {
                let name = self.buf_row(*buf, *idx);
                let i = self.expr(*idx).0;
                let v = self.expr(*value).0;
                match self.logged(*buf) {
                    Some(log) => quote! {
                        #log.push((#i, #name[#i]));
                        #name[#i] = #v;
                    },
                    None => quote! { #name[#i] = #v; },
                }
            }
            BufOp::Pop(buf) => {
                let name = self.names.of(g, *buf);
                let log = self.log_name(*buf);
                quote! {
                    if let ::std::option::Option::Some((i, old)) = #log.pop() {
                        #name[i] = old;
                    }
                }
            }
            BufOp::Undo { buf, to } => {
                let to = self.expr(*to).0;
                self.restore(*buf, to)
            }
            BufOp::Check { idx, len } => {
                let i = self.expr(*idx).0;
                let len = Literal::usize_unsuffixed(*len);
                quote! {
                    assert!(#i < #len, "index out of bounds: the len is {} but the index is {}", #len, #i);
                }
            }
            BufOp::Get { .. } | BufOp::Len(_) | BufOp::Sum(_) | BufOp::Mark(_) => {
                let name = self.names.of(g, n);
                let e = self.render_buf(op).0;
                quote! { let #name = #e; }
            }
        }
    }

    /// The name an access to `buf` at `idx` goes through: the row taken
    /// before the loop whose index `idx` is (`super::rows`), else the buffer.
    fn buf_row(&mut self, buf: NodeId, idx: NodeId) -> Ident {
        match self.rows.bufs.get(&(buf, idx)) {
            Some(row) => row.clone(),
            None => self.names.of(self.g, buf),
        }
    }

    /// The expression of a buffer operation that has a value.
    pub(super) fn render_buf(&mut self, op: &BufOp) -> (TokenStream, Prec) {
        let g = self.g;
        match op {
            BufOp::Get { buf, idx } => {
                let name = self.buf_row(*buf, *idx);
                let i = self.expr(*idx).0;
                (quote!(#name[#i]), Prec::Atom)
            }
            BufOp::Len(buf) => {
                let name = self.names.of(g, *buf);
                (quote!(#name.len()), Prec::Atom)
            }
            BufOp::Mark(buf) if self.value_logs.bufs.contains(buf) => {
                let spans = self.mark_log(*buf);
                (quote!(#spans.len()), Prec::Atom)
            }
            BufOp::Mark(buf) => match self.logged(*buf) {
                Some(log) => (quote!(#log.len()), Prec::Atom),
                None => (quote!(0usize), Prec::Atom),
            },
            BufOp::Sum(buf) => {
                let name = self.names.of(g, *buf);
                let ty = Ident::new(g.float.name(), Span::call_site());
                (quote!(#name.iter().sum::<#ty>()), Prec::Atom)
            }
            _ => unreachable!("render_buf is called on buffer operations with a value"),
        }
    }

    /// For a recording loop with an `undo` list: declares its marks tape
    /// (into `pre`) and pushes each log's length (into `head`).
    pub(super) fn record_marks(
        &mut self,
        n: NodeId,
        l: &Loop,
        pre: &mut Vec<TokenStream>,
        head: &mut Vec<TokenStream>,
    ) {
        if l.int_width() == 0 || !self.replayed.contains(&n) {
            return;
        }
        let marks = self.names.fresh("marks");
        let declare = quote! { let mut #marks: ::std::vec::Vec<usize> = ::std::vec::Vec::new(); };
        if self.depth > 0 {
            // nested: one allocation per call (see `Writer::hoisted`)
            self.hoisted.push(declare);
            pre.push(quote! { #marks.clear(); });
        } else {
            pre.push(declare);
        }
        for &r in &l.record_int {
            let v = self.expr(r).0;
            head.push(quote! { #marks.push(#v); });
        }
        for &b in &l.undo {
            let log = self.mark_log(b);
            head.push(quote! { #marks.push(#log.len()); });
        }
        self.marks.insert(n, marks);
    }

    /// For the loop replaying `of`: rolls each log back to its length at the
    /// entry of the iteration being undone.
    pub(super) fn roll_back(
        &mut self,
        of: NodeId,
        pre: &mut Vec<TokenStream>,
        head: &mut Vec<TokenStream>,
    ) {
        let Op::Loop(fwd) = self.g.op(of) else {
            unreachable!("a loop replays a loop")
        };
        if fwd.int_width() == 0 {
            return;
        }
        let marks = self
            .marks
            .get(&of)
            .cloned()
            .expect("the recording loop is written before the loop replaying it");
        let pos = self.names.fresh("mark_at");
        let m = Literal::usize_unsuffixed(fwd.int_width());
        pre.push(quote! { let mut #pos = #marks.len(); });
        head.push(quote! { #pos -= #m; });
        self.marks_pos.insert(of, pos.clone());
        for (j, &b) in fwd.undo.iter().enumerate() {
            let j = Literal::usize_unsuffixed(fwd.record_int.len() + j);
            let restore = self.restore(b, quote!(#marks[#pos + #j]));
            head.push(restore);
        }
    }

    /// `marks[at + slot]`: an integer a loop recorded, in the loop replaying it.
    pub(super) fn recall_int(&mut self, of: NodeId, slot: usize) -> (TokenStream, Prec) {
        let marks = self
            .marks
            .get(&of)
            .cloned()
            .expect("the recording loop is written first");
        let pos = self
            .marks_pos
            .get(&of)
            .cloned()
            .expect("a recall sits inside the loop that replays its tape");
        let s = Literal::usize_unsuffixed(slot);
        (quote!(#marks[#pos + #s]), Prec::Atom)
    }

    /// Rolls buffer `b`'s undo log back to length `to`, putting the
    /// overwritten values back, last first.
    fn restore(&mut self, b: NodeId, to: TokenStream) -> TokenStream {
        let name = self.names.of(self.g, b);
        if !self.value_logs.bufs.contains(&b) {
            let log = self.log_name(b);
            return quote! {
                for (i, old) in #log.drain(#to..).rev() {
                    #name[i] = old;
                }
            };
        }
        let (saved, spans) = self.value_log_names(b);
        let (lo, hi, from) = (
            self.names.fresh("lo"),
            self.names.fresh("hi"),
            self.names.fresh("from"),
        );
        quote! {
            for (#lo, #hi) in #spans.drain(#to..).rev() {
                let #from = #saved.len() - (#hi - #lo);
                #name[#lo..#hi].copy_from_slice(&#saved[#from..]);
                #saved.truncate(#from);
            }
        }
    }

    /// Before loop `n` (over `start..end`, or `..=end`): saves the slice of
    /// each value-logged buffer it writes (see [`super::value_log`]),
    /// clamped to the buffer's length so that an index past it panics in
    /// the loop, as in plain Rust.
    pub(super) fn save_slices(&mut self, n: NodeId, l: &Loop, pre: &mut Vec<TokenStream>) {
        let Some(bufs) = self.value_logs.loops.get(&n).cloned() else {
            return;
        };
        let (start, end) = (self.expr(l.start).0, self.expr(l.end).0);
        let end = if l.inclusive {
            quote!((#end).saturating_add(1))
        } else {
            end
        };
        let whole = self.value_logs.whole.contains(&n);
        for b in bufs {
            let name = self.names.of(self.g, b);
            let (saved, spans) = self.value_log_names(b);
            if whole {
                // a checkpoint: the whole buffer at a segment's start
                pre.push(quote! {
                    #spans.push((0, #name.len()));
                    #saved.extend_from_slice(&#name);
                });
                continue;
            }
            let (lo, hi) = (self.names.fresh("lo"), self.names.fresh("hi"));
            pre.push(quote! {
                let #hi = ::core::cmp::min(#end, #name.len());
                let #lo = ::core::cmp::min(#start, #hi);
                #spans.push((#lo, #hi));
                #saved.extend_from_slice(&#name[#lo..#hi]);
            });
        }
    }

    /// The undo log of buffer `b` when it logs each write as `(index, value)`.
    fn logged(&mut self, b: NodeId) -> Option<Ident> {
        match self.g.op(b) {
            Op::Buf(BufOp::New { log: true, .. }) if self.value_logs.bufs.contains(&b) => None,
            Op::Buf(BufOp::New { log: true, .. }) => Some(self.log_name(b)),
            _ => None,
        }
    }

    /// The vector whose length marks buffer `b`'s undo log: its log, or the
    /// list of saved slices of a value log.
    fn mark_log(&mut self, b: NodeId) -> Ident {
        if self.value_logs.bufs.contains(&b) {
            self.value_log_names(b).1
        } else {
            self.log_name(b)
        }
    }

    /// The names of a value log: its saved values `<v>_saved` and their
    /// ranges `<v>_spans`.
    fn value_log_names(&mut self, b: NodeId) -> (Ident, Ident) {
        if let Some(pair) = self.value_names.get(&b) {
            return pair.clone();
        }
        let base = self.names.of(self.g, b);
        let pair = (
            self.names.fresh(&format!("{base}_saved")),
            self.names.fresh(&format!("{base}_spans")),
        );
        self.value_names.insert(b, pair.clone());
        pair
    }

    /// The name of buffer `b`'s undo log, `<v>_log`.
    fn log_name(&mut self, b: NodeId) -> Ident {
        if let Some(id) = self.logs.get(&b) {
            return id.clone();
        }
        let base = self.names.of(self.g, b);
        let id = self.names.fresh(&format!("{base}_log"));
        self.logs.insert(b, id.clone());
        id
    }
}
