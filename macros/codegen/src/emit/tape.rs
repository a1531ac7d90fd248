//! Loop tapes: what a recording loop keeps per iteration for its reverse sweep.
//!
//! A loop recording several values keeps one array per value (`tape[0]`
//! for `s`, `tape[1]` for `t`: `tape[1][filled] = t;`, `tape[1][at]`),
//! not one array of `[s, t]` entries: four adjacent stores per iteration
//! made LLVM's SLP vectorizer pack the carried values into vector
//! registers, which chained each iteration's values to the previous
//! iteration's through the packing (measured: GradBench ode's replayed
//! sweep ran 3.4× slower than with one array per value). A nested tape is
//! allocated once per call and resized, not cleared, before each run: a
//! range loop without a test writes every entry before it is read. A
//! stacked tape (see [`crate::ir::Loop::stacked`]) grows by each run from
//! where the earlier runs' entries end, and its reverse loop truncates it
//! back (see `super::loops`).
//!
//! A range loop from 0 (forwards, no test, not stacked) writes its tape
//! through one row per plane taken before it, indexed by the loop's
//! variable, and the reverse loop over the same range reads it the same
//! way:
//!
//! ```text
//! let [before_tape_row0, …] = &mut before_tape;
//! let (before_tape_row0, …) = (&mut before_tape_row0[..end], …);
//! for i in 0..end { before_tape_row0[i] = before; … }
//! …
//! for i in (0..end).rev() { let before = before_tape_row0[i]; … }
//! ```
//!
//! The rows have `end` elements, so neither loop checks bounds; with a
//! count (`tape[k][filled]`, `tape[k][at]`) each access was checked against
//! its plane's length and the planes' pointers were reloaded from the
//! stack in every iteration of GradBench ode's replay and reverse sweep.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::body::Writer;
use crate::ir::{Loop, NodeId, Op};

impl Writer<'_> {
    /// The end of a recording loop's iteration, before its carried values
    /// change: one entry per recorded value (carried values as at the
    /// iteration's entry, results of the body), each in its own array.
    pub(super) fn tape_push(&mut self, n: NodeId, l: &Loop) -> Option<TokenStream> {
        if l.record.is_empty() {
            return None;
        }
        let tape = self.names.of(self.g, n);
        let vals: Vec<TokenStream> = l.record.iter().map(|r| self.expr(*r).0).collect();
        let planes: Vec<TokenStream> = match vals.len() {
            1 => vec![quote!(#tape)],
            m => (0..m)
                .map(|k| {
                    let k = Literal::usize_unsuffixed(k);
                    quote!(#tape[#k])
                })
                .collect(),
        };
        if let Some((rows, var)) = self.tape_rows.get(&n) {
            let i = self.names.of(self.g, *var);
            return Some(quote! { #(#rows[#i] = #vals;)* });
        }
        Some(match self.tape_fill.get(&n) {
            Some(filled) => quote! {
                #(#planes[#filled] = #vals;)*
                #filled += 1;
            },
            None => quote! { #(#planes.push(#vals);)* },
        })
    }

    /// A recording loop's tape before it starts: one `Vec` of its float
    /// type, or an array of them (one per recorded value, see the module
    /// docs); sized to the trip count when the loop has no test. Nested in
    /// another loop: declared once per call (hoisted) and resized here.
    pub(super) fn tape_alloc(
        &mut self,
        pre: &mut Vec<TokenStream>,
        tape: &Ident,
        n: NodeId,
        l: &Loop,
        trips: TokenStream,
        zero: TokenStream,
    ) {
        let width = l.record.len();
        let empty = quote!(::std::vec::Vec::new());
        let m = Literal::usize_unsuffixed(width);
        let decl = match width {
            1 => empty,
            _ => quote!(::core::array::from_fn::<_, #m, _>(|_| #empty)),
        };
        let sized = l.test.is_none();
        if self.depth > 0 && l.stacked {
            // stacked (a loop without a test): this run's entries go on top
            // of the earlier runs', written by index from where they end
            self.hoisted.push(quote! { let mut #tape = #decl; });
            let filled = self.names.fresh("filled");
            pre.push(match width {
                1 => quote! {
                    let mut #filled = #tape.len();
                    #tape.resize(#filled + #trips, #zero);
                },
                _ => quote! {
                    let mut #filled = #tape[0].len();
                    {
                        let trips = #trips;
                        for plane in #tape.iter_mut() {
                            plane.resize(#filled + trips, #zero);
                        }
                    }
                },
            });
            self.tape_fill.insert(n, filled);
            return;
        }
        if self.depth > 0 {
            // nested: one allocation per call, grown as needed
            self.hoisted.push(quote! { let mut #tape = #decl; });
            if !sized {
                pre.push(match width {
                    1 => quote! { #tape.clear(); },
                    _ => quote! { for plane in #tape.iter_mut() { plane.clear(); } },
                });
            } else if width == 1 {
                pre.push(quote! { #tape.resize(#trips, #zero); });
            } else {
                pre.push(quote! {
                    {
                        let trips = #trips;
                        for plane in #tape.iter_mut() {
                            plane.resize(trips, #zero);
                        }
                    }
                });
            }
        } else if !sized {
            pre.push(quote! { let mut #tape = #decl; });
        } else if width == 1 {
            pre.push(quote! { let mut #tape = ::std::vec![#zero; #trips]; });
        } else {
            pre.push(quote! {
                let mut #tape = {
                    let trips = #trips;
                    ::core::array::from_fn::<_, #m, _>(|_| ::std::vec![#zero; trips])
                };
            });
        }
    }

    /// Takes the rows of loop `n`'s tape (see the module docs) before the
    /// loop, when it is a range loop from 0 whose tape is sized to its trip
    /// count; `read`: for the reverse loop `l` over the same range, shared.
    /// Returns whether it did.
    pub(super) fn tape_rows(
        &mut self,
        pre: &mut Vec<TokenStream>,
        n: NodeId,
        fwd: &Loop,
        l: &Loop,
        read: bool,
    ) -> bool {
        let g = self.g;
        let rowed = |x: &Loop| {
            x.test.is_none() && !x.inclusive && !x.stacked && matches!(g.op(x.start), Op::IConst(0))
        };
        let same_range = !read || (l.rev && l.start == fwd.start && l.end == fwd.end);
        if fwd.record.is_empty() || fwd.rev || !rowed(fwd) || !rowed(l) || !same_range {
            return false;
        }
        let tape = self.names.of(g, n);
        let end = self.expr(l.end).0;
        let rows: Vec<Ident> = match fwd.record.len() {
            1 => vec![self.names.fresh(&format!("{tape}_row"))],
            m => (0..m)
                .map(|k| self.names.fresh(&format!("{tape}_row{k}")))
                .collect(),
        };
        let borrow = if read { quote!(&) } else { quote!(&mut) };
        pre.push(match rows.len() {
            1 => {
                let row = &rows[0];
                quote! { let #row = #borrow #tape[..#end]; }
            }
            _ => quote! {
                let [#(#rows),*] = #borrow #tape;
                let (#(#rows),*) = (#(#borrow #rows[..#end]),*);
            },
        });
        self.tape_rows.insert(n, (rows, l.var));
        true
    }
}
