//! syn trees of any depth without recursion in the macro (issue 11 §4):
//! `x * x * … * x` parses to a left-nested tree as deep as the product is
//! long, and syn prints (`ToTokens`) and drops such a tree by recursion, one
//! set of stack frames per level.
//!
//! So the macro never prints a body it parsed: the function it writes back
//! carries the body's tokens as the user wrote them ([`verbatim_block`]),
//! and the parsed body is taken apart with a work list before it is dropped
//! ([`dismantle`]).

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};

/// The body of a function item written as tokens: its last token, a braced
/// group.
pub(crate) fn body_group(item: &TokenStream) -> Option<Group> {
    match item.clone().into_iter().last() {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => Some(g),
        _ => None,
    }
}

/// A block that prints as `group`, the body as written: `{ tokens }` with
/// the braces' own spans.
pub(crate) fn verbatim_block(group: &Group) -> syn::Block {
    syn::Block {
        brace_token: syn::token::Brace {
            span: group.delim_span(),
        },
        stmts: vec![syn::Stmt::Expr(syn::Expr::Verbatim(group.stream()), None)],
    }
}

/// An empty expression, put in place of a part taken out.
fn hole() -> syn::Expr {
    syn::Expr::Verbatim(TokenStream::new())
}

fn take(e: &mut syn::Expr) -> syn::Expr {
    std::mem::replace(e, hole())
}

/// Takes a body apart, iteratively, so that dropping it does not recurse
/// once per nesting level: every boxed or listed sub-expression is moved
/// to a work list, and each node is dropped once it holds none.
pub fn dismantle(stmts: Vec<syn::Stmt>) {
    let mut work = vec![syn::Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block: syn::Block {
            brace_token: Default::default(),
            stmts,
        },
    })];
    while let Some(mut e) = work.pop() {
        let mut parts = Vec::new();
        sub_exprs(&mut e, &mut parts);
        work.extend(parts.into_iter().map(take));
        // `e` now holds no sub-expression of the kinds of `sub_exprs`:
        // dropped flat
    }
}

/// `sub_exprs`/`stmt_exprs` (through `&mut`) and `sub_exprs_ref`/
/// `stmt_exprs_ref` (through `&`), written once.
macro_rules! walkers {
    ($sub:ident, $stmts:ident, [$($m:tt)?], $deref:ident, $iter:ident, $as:ident) => {
        /// The sub-expressions of `e`, one level down, in source order (the
        /// statements of a block included): the kinds a body's nesting goes
        /// through. Each part is reached by the caller's own work list.
        pub(crate) fn $sub<'e>(e: &'e $($m)? syn::Expr, out: &mut Vec<&'e $($m)? syn::Expr>) {
            use syn::Expr as E;
            match e {
                E::Binary(b) => out.extend([&$($m)? *b.left, &$($m)? *b.right]),
                E::Unary(u) => out.push(&$($m)? u.expr),
                E::Paren(p) => out.push(&$($m)? p.expr),
                E::Group(g) => out.push(&$($m)? g.expr),
                E::Cast(c) => out.push(&$($m)? c.expr),
                E::Field(f) => out.push(&$($m)? f.base),
                E::Reference(r) => out.push(&$($m)? r.expr),
                E::Try(t) => out.push(&$($m)? t.expr),
                E::Await(a) => out.push(&$($m)? a.base),
                E::Return(r) => out.extend(r.expr.$deref()),
                E::Break(b) => out.extend(b.expr.$deref()),
                E::Let(l) => out.push(&$($m)? l.expr),
                E::Closure(c) => out.push(&$($m)? c.body),
                E::Assign(a) => out.extend([&$($m)? *a.left, &$($m)? *a.right]),
                E::Index(i) => out.extend([&$($m)? *i.expr, &$($m)? *i.index]),
                E::Repeat(r) => out.extend([&$($m)? *r.expr, &$($m)? *r.len]),
                E::Range(r) => {
                    out.extend(r.start.$deref());
                    out.extend(r.end.$deref());
                }
                E::MethodCall(c) => {
                    out.push(&$($m)? c.receiver);
                    out.extend(c.args.$iter());
                }
                E::Call(c) => {
                    out.push(&$($m)? c.func);
                    out.extend(c.args.$iter());
                }
                E::Array(a) => out.extend(a.elems.$iter()),
                E::Tuple(t) => out.extend(t.elems.$iter()),
                E::If(i) => {
                    out.push(&$($m)? i.cond);
                    $stmts(&$($m)? i.then_branch.stmts, out);
                    out.extend(i.else_branch.$as().map(|(_, x)| &$($m)? **x));
                }
                E::Block(b) => $stmts(&$($m)? b.block.stmts, out),
                E::Unsafe(b) => $stmts(&$($m)? b.block.stmts, out),
                E::Loop(l) => $stmts(&$($m)? l.body.stmts, out),
                E::While(w) => {
                    out.push(&$($m)? w.cond);
                    $stmts(&$($m)? w.body.stmts, out);
                }
                E::ForLoop(f) => {
                    out.push(&$($m)? f.expr);
                    $stmts(&$($m)? f.body.stmts, out);
                }
                E::Match(x) => {
                    out.push(&$($m)? x.expr);
                    for arm in &$($m)? x.arms {
                        out.extend(arm.guard.$as().map(|(_, g)| &$($m)? **g));
                        out.push(&$($m)? arm.body);
                    }
                }
                _ => {}
            }
        }

        /// The expressions of statements: `let` initialisers and expressions.
        pub(crate) fn $stmts<'e>(stmts: &'e $($m)? [syn::Stmt], out: &mut Vec<&'e $($m)? syn::Expr>) {
            for s in stmts {
                match s {
                    syn::Stmt::Local(l) => {
                        if let Some(init) = &$($m)? l.init {
                            out.push(&$($m)? init.expr);
                            out.extend(init.diverge.$as().map(|(_, e)| &$($m)? **e));
                        }
                    }
                    syn::Stmt::Expr(e, _) => out.push(e),
                    syn::Stmt::Item(_) | syn::Stmt::Macro(_) => {}
                }
            }
        }
    };
}

walkers!(sub_exprs, stmt_exprs, [mut], as_deref_mut, iter_mut, as_mut);
walkers!(sub_exprs_ref, stmt_exprs_ref, [], as_deref, iter, as_ref);

/// Whether any expression of `stmts`, at any depth, satisfies `pred`
/// (found with a work list).
pub(crate) fn any_expr(stmts: &[syn::Stmt], pred: impl Fn(&syn::Expr) -> bool) -> bool {
    let mut work = Vec::new();
    stmt_exprs_ref(stmts, &mut work);
    while let Some(e) = work.pop() {
        if pred(e) {
            return true;
        }
        sub_exprs_ref(e, &mut work);
    }
    false
}

/// `input` (items, as `grad! { fn … }` takes them) with the body of each
/// function item at its top level replaced by `{}`, and those bodies in
/// order: the items can be parsed and printed without their bodies.
pub(crate) fn hollow_bodies(input: TokenStream) -> (TokenStream, Vec<Group>) {
    let mut out = Vec::new();
    let mut bodies = Vec::new();
    // just after `fn`; after `fn name`, before the body
    let (mut after_fn, mut in_fn) = (false, false);
    for tt in input {
        let was_after_fn = std::mem::take(&mut after_fn);
        match &tt {
            TokenTree::Ident(i) if i == "fn" => after_fn = true,
            TokenTree::Ident(_) if was_after_fn => in_fn = true,
            TokenTree::Punct(p) if p.as_char() == ';' => in_fn = false,
            TokenTree::Group(g) if in_fn && g.delimiter() == Delimiter::Brace => {
                in_fn = false;
                let mut empty = Group::new(Delimiter::Brace, TokenStream::new());
                empty.set_span(g.span());
                bodies.push(g.clone());
                out.push(TokenTree::Group(empty));
                continue;
            }
            _ => {}
        }
        out.push(tt);
    }
    (out.into_iter().collect(), bodies)
}

/// The span of a whole expression as `syn::spanned::Spanned::span` gives
/// it: its first token's (a delimited group is one token), joined to its
/// last token's where spans can be joined (not in a proc macro on stable
/// Rust), but found by walking down the leftmost and the rightmost operand
/// instead of printing the whole tree (recursively, and once per call).
pub(crate) fn span_of(e: &syn::Expr) -> proc_macro2::Span {
    let first = first_span(e);
    first.join(last_span(e)).unwrap_or(first)
}

/// The span of an expression's first token.
pub(crate) fn first_span(mut e: &syn::Expr) -> proc_macro2::Span {
    use syn::spanned::Spanned;
    use syn::Expr as E;
    loop {
        e = match e {
            E::Binary(b) => &b.left,
            E::MethodCall(m) => &m.receiver,
            E::Call(c) => &c.func,
            E::Index(i) => &i.expr,
            E::Field(f) => &f.base,
            E::Cast(c) => &c.expr,
            E::Try(t) => &t.expr,
            E::Await(a) => &a.base,
            E::Assign(a) => &a.left,
            E::Range(syn::ExprRange { start: Some(s), .. }) => s,
            E::Range(r) => return range_ends(r).0,
            E::Unary(u) => return u.op.span(),
            // a group is one token: its span is the whole group's
            E::Paren(p) => return p.paren_token.span.join(),
            E::Tuple(t) => return t.paren_token.span.join(),
            E::Array(a) => return a.bracket_token.span.join(),
            E::Block(b) if b.label.is_none() => return b.block.brace_token.span.join(),
            E::Reference(r) => return r.and_token.span,
            E::If(i) => return i.if_token.span,
            E::Lit(l) => return l.lit.span(),
            E::Path(p) => return path_ends(p).0,
            E::Match(m) => return m.match_token.span,
            E::Return(r) => return r.return_token.span,
            E::Let(l) => return l.let_token.span,
            E::While(w) if w.label.is_none() => return w.while_token.span,
            E::ForLoop(f) if f.label.is_none() => return f.for_token.span,
            E::Loop(l) if l.label.is_none() => return l.loop_token.span,
            E::Closure(c) => return c.or1_token.span,
            E::Struct(s) => return s.path.span(),
            E::Repeat(r) => return r.bracket_token.span.join(),
            E::Macro(m) => return m.mac.path.span(),
            E::Break(b) => return b.break_token.span,
            other => return other.span(),
        };
    }
}

/// The span of an expression's last token.
pub(crate) fn last_span(mut e: &syn::Expr) -> proc_macro2::Span {
    use syn::spanned::Spanned;
    use syn::Expr as E;
    loop {
        e = match e {
            E::Binary(b) => &b.right,
            E::Unary(u) => &u.expr,
            E::Reference(r) => &r.expr,
            E::Assign(a) => &a.right,
            E::Range(syn::ExprRange { end: Some(x), .. }) => x,
            E::Range(r) => return range_ends(r).1,
            E::If(syn::ExprIf {
                else_branch: Some((_, x)),
                ..
            }) => x,
            E::If(i) => return i.then_branch.brace_token.span.close(),
            E::MethodCall(m) => return m.paren_token.span.close(),
            E::Call(c) => return c.paren_token.span.close(),
            E::Index(i) => return i.bracket_token.span.close(),
            E::Paren(p) => return p.paren_token.span.close(),
            E::Tuple(t) => return t.paren_token.span.close(),
            E::Array(a) => return a.bracket_token.span.close(),
            E::Block(b) => return b.block.brace_token.span.close(),
            E::Try(t) => return t.question_token.span,
            E::Field(f) => return f.member.span(),
            E::Cast(c) => return c.ty.span(),
            E::Lit(l) => return l.lit.span(),
            E::Path(p) => return path_ends(p).1,
            E::Return(syn::ExprReturn { expr: Some(x), .. }) => x,
            E::Break(syn::ExprBreak { expr: Some(x), .. }) => x,
            E::Let(l) => &l.expr,
            E::Closure(c) => &c.body,
            E::Match(m) => return m.brace_token.span.close(),
            E::While(w) => return w.body.brace_token.span.close(),
            E::ForLoop(f) => return f.body.brace_token.span.close(),
            E::Loop(l) => return l.body.brace_token.span.close(),
            E::Struct(s) => return s.brace_token.span.close(),
            E::Repeat(r) => return r.bracket_token.span.close(),
            E::Macro(m) => return m.mac.delimiter.span().close(),
            other => return other.span(),
        };
    }
}

/// The spans of a path expression's first and last tokens (spans do not
/// join in a proc macro on stable Rust, so a path's own span is its first
/// token's).
fn path_ends(p: &syn::ExprPath) -> (proc_macro2::Span, proc_macro2::Span) {
    use syn::spanned::Spanned;
    let first = match (&p.qself, &p.path.leading_colon) {
        (Some(q), _) => q.lt_token.span,
        (None, Some(c)) => c.spans[0],
        (None, None) => p
            .path
            .segments
            .first()
            .map_or_else(|| p.span(), |s| s.ident.span()),
    };
    let last = match p.path.segments.last() {
        Some(s) => match &s.arguments {
            syn::PathArguments::AngleBracketed(a) => a.gt_token.span,
            syn::PathArguments::Parenthesized(a) => a.paren_token.span.close(),
            syn::PathArguments::None => s.ident.span(),
        },
        None => first,
    };
    (first, last)
}

/// The spans of the first and last characters of a range's `..` or `..=`.
pub(crate) fn range_ends(e: &syn::ExprRange) -> (proc_macro2::Span, proc_macro2::Span) {
    match e.limits {
        syn::RangeLimits::HalfOpen(t) => (t.spans[0], t.spans[1]),
        syn::RangeLimits::Closed(t) => (t.spans[0], t.spans[2]),
    }
}
