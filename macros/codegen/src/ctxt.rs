//! Error accumulation, so one compile shows every mistake at once.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt::Display;

use proc_macro2::{Punct, Spacing, Span, TokenStream, TokenTree};
use quote::ToTokens;

use crate::parse::flat;

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

    /// Records an error on the tokens of `at`, from its first to its last.
    pub fn error_spanned_by<T: Site, M: Display>(&self, at: T, msg: M) {
        self.push(error_on(at, msg));
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

/// Where an error goes: the spans of the first and the last token of a
/// piece of the user's code.
///
/// `syn::Error::new_spanned` prints its argument to tokens to find them,
/// recursively: on an expression nested 10,000 deep, reporting the error
/// overflowed the stack. Expressions (and what holds them: statements,
/// blocks) find their ends by walking down their first and last operands
/// instead ([`crate::parse::flat`]); small syntax (a name, a type, a
/// pattern) is printed as before.
pub trait Site {
    /// The spans of the first and the last token.
    fn ends(&self) -> (Span, Span);
}

/// An error from the first to the last token of `at`, as
/// `syn::Error::new_spanned` would place it.
pub fn error_on<T: Site, M: Display>(at: T, msg: M) -> syn::Error {
    let (first, last) = at.ends();
    let mut a = Punct::new('.', Spacing::Alone);
    a.set_span(first);
    let mut b = Punct::new('.', Spacing::Alone);
    b.set_span(last);
    let tokens: TokenStream = [TokenTree::Punct(a), TokenTree::Punct(b)]
        .into_iter()
        .collect();
    syn::Error::new_spanned(tokens, msg)
}

/// The ends of a token stream printed from small syntax.
fn token_ends(tokens: TokenStream) -> (Span, Span) {
    let mut it = tokens.into_iter();
    let first = it.next().map_or_else(Span::call_site, |t| t.span());
    let last = it.last().map_or(first, |t| t.span());
    (first, last)
}

impl<T: Site + ?Sized> Site for &T {
    fn ends(&self) -> (Span, Span) {
        (**self).ends()
    }
}

impl<T: Site + ?Sized> Site for Box<T> {
    fn ends(&self) -> (Span, Span) {
        (**self).ends()
    }
}

impl Site for syn::Expr {
    fn ends(&self) -> (Span, Span) {
        (
            crate::parse::flat::first_span(self),
            crate::parse::flat::last_span(self),
        )
    }
}

impl Site for syn::ExprField {
    fn ends(&self) -> (Span, Span) {
        let last = syn::spanned::Spanned::span(&self.member);
        (flat::first_span(&self.base), last)
    }
}

impl Site for syn::ExprReturn {
    fn ends(&self) -> (Span, Span) {
        let first = self.return_token.span;
        (first, self.expr.as_deref().map_or(first, flat::last_span))
    }
}

impl Site for syn::ExprRange {
    fn ends(&self) -> (Span, Span) {
        let (dots_first, dots_last) = flat::range_ends(self);
        (
            self.start.as_deref().map_or(dots_first, flat::first_span),
            self.end.as_deref().map_or(dots_last, flat::last_span),
        )
    }
}

impl Site for syn::ExprClosure {
    fn ends(&self) -> (Span, Span) {
        let first = self.capture.map_or(self.or1_token.span, |m| m.span);
        (first, flat::last_span(&self.body))
    }
}

impl Site for syn::Block {
    fn ends(&self) -> (Span, Span) {
        let braces = self.brace_token.span.join();
        (braces, braces)
    }
}

impl Site for syn::Local {
    fn ends(&self) -> (Span, Span) {
        let last = self.semi_token.span;
        (self.let_token.span, last)
    }
}

impl Site for syn::Stmt {
    fn ends(&self) -> (Span, Span) {
        match self {
            syn::Stmt::Local(l) => l.ends(),
            syn::Stmt::Expr(e, semi) => {
                let (first, last) = e.ends();
                (first, semi.map_or(last, |s| s.span))
            }
            syn::Stmt::Item(i) => i.ends(),
            syn::Stmt::Macro(m) => token_ends(m.to_token_stream()),
        }
    }
}

impl Site for syn::Item {
    fn ends(&self) -> (Span, Span) {
        match self {
            // a function's body may be deep: its signature, then its braces
            syn::Item::Fn(f) => (
                token_ends(f.sig.to_token_stream()).0,
                f.block.brace_token.span.join(),
            ),
            other => token_ends(other.to_token_stream()),
        }
    }
}

impl Site for dyn ToTokens + '_ {
    fn ends(&self) -> (Span, Span) {
        token_ends(self.to_token_stream())
    }
}

/// Small syntax, printed to find its ends.
macro_rules! site_by_tokens {
    ($($ty:ty),* $(,)?) => {$(
        impl Site for $ty {
            fn ends(&self) -> (Span, Span) {
                token_ends(self.to_token_stream())
            }
        }
    )*};
}

site_by_tokens!(
    proc_macro2::Ident,
    syn::Path,
    syn::Type,
    syn::Pat,
    syn::Macro,
    syn::Member,
    syn::Label,
    syn::Lifetime,
    syn::ExprContinue,
    syn::Lit,
    syn::PathArguments,
    syn::AngleBracketedGenericArguments,
    syn::GenericArgument,
    syn::LitFloat,
    syn::LitInt,
    syn::Generics,
    syn::GenericParam,
    syn::ExprPath,
    syn::UnOp,
    syn::BinOp,
    syn::PatIdent,
    syn::PatTuple,
    syn::PatTupleStruct,
    syn::PatType,
    syn::Fields,
    syn::Signature,
    syn::Receiver,
    syn::FnArg,
    syn::Attribute,
    syn::Meta,
    syn::Abi,
    syn::Variadic,
    syn::ReturnType,
    syn::TypePath,
    syn::ItemFn,
    syn::ItemImpl,
    syn::ItemStruct,
    syn::ImplItemFn,
    syn::Field,
    syn::WhereClause,
    syn::punctuated::Punctuated<syn::FnArg, syn::token::Comma>,
    syn::punctuated::Punctuated<syn::Pat, syn::token::Comma>,
    syn::token::Loop,
    TokenStream,
);
