//! Error accumulation, so one compile shows every mistake at once.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// Collects errors found while reading the user's code.
///
/// One error per site: a second error at a span that already has one is
/// dropped, so a mistake inside an unrolled loop of 100,000 iterations is
/// reported once, not once per iteration (the first iteration's message wins).
#[derive(Default)]
pub struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
    /// The sites already reported (see [`site_key`]).
    sites: RefCell<HashSet<String>>,
}

/// What identifies the site of an error: its span as the compiler prints it
/// (`#0 bytes(120..131)`). Outside a compiler (unit tests, without
/// proc-macro2's `span-locations`) every span prints alike, so the message
/// is part of the key there and only identical errors merge.
fn site_key(e: &syn::Error) -> String {
    let span = format!("{:?}", e.span());
    if span.contains("bytes(") {
        span
    } else {
        format!("{span} {e}")
    }
}

impl Ctxt {
    /// A context with no errors yet.
    pub fn new() -> Self {
        Ctxt::default()
    }

    /// Records an error on the tokens of `at`.
    pub fn error_spanned_by<T: ToTokens, M: Display>(&self, at: T, msg: M) {
        self.push(syn::Error::new_spanned(at.into_token_stream(), msg));
    }

    /// Records an error at a span.
    pub fn error_at<M: Display>(&self, span: Span, msg: M) {
        self.push(syn::Error::new(span, msg));
    }

    /// Records an error built elsewhere, unless its site already has one.
    pub fn push(&self, err: syn::Error) {
        if self.sites.borrow_mut().insert(site_key(&err)) {
            self.errors.borrow_mut().push(err);
        }
    }

    /// Whether any error was recorded.
    pub fn has_errors(&self) -> bool {
        !self.errors.borrow().is_empty()
    }

    /// All errors combined into one, or `Ok` when there were none.
    pub fn check(self) -> syn::Result<()> {
        let mut errors = self.errors.into_inner().into_iter();
        let Some(mut first) = errors.next() else {
            return Ok(());
        };
        for e in errors {
            first.combine(e);
        }
        Err(first)
    }
}
