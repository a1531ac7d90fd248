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

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::body::Writer;
use crate::ir::{Loop, NodeId};

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
}
