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
pub(crate) fn dismantle(stmts: Vec<syn::Stmt>) {
    let mut work: Vec<syn::Expr> = Vec::new();
    push_stmts(stmts, &mut work);
    while let Some(mut e) = work.pop() {
        use syn::Expr as E;
        match &mut e {
            E::Binary(b) => work.extend([take(&mut b.left), take(&mut b.right)]),
            E::Unary(u) => work.push(take(&mut u.expr)),
            E::Paren(p) => work.push(take(&mut p.expr)),
            E::Group(g) => work.push(take(&mut g.expr)),
            E::Cast(c) => work.push(take(&mut c.expr)),
            E::Field(f) => work.push(take(&mut f.base)),
            E::Reference(r) => work.push(take(&mut r.expr)),
            E::Try(t) => work.push(take(&mut t.expr)),
            E::Await(a) => work.push(take(&mut a.base)),
            E::Return(r) => work.extend(r.expr.take().map(|x| *x)),
            E::Break(b) => work.extend(b.expr.take().map(|x| *x)),
            E::Let(l) => work.push(take(&mut l.expr)),
            E::Closure(c) => work.push(take(&mut c.body)),
            E::Assign(a) => work.extend([take(&mut a.left), take(&mut a.right)]),
            E::Index(i) => work.extend([take(&mut i.expr), take(&mut i.index)]),
            E::Repeat(r) => work.extend([take(&mut r.expr), take(&mut r.len)]),
            E::Range(r) => {
                work.extend(r.start.take().map(|x| *x));
                work.extend(r.end.take().map(|x| *x));
            }
            E::MethodCall(m) => {
                work.push(take(&mut m.receiver));
                work.extend(std::mem::take(&mut m.args));
            }
            E::Call(c) => {
                work.push(take(&mut c.func));
                work.extend(std::mem::take(&mut c.args));
            }
            E::Array(a) => work.extend(std::mem::take(&mut a.elems)),
            E::Tuple(t) => work.extend(std::mem::take(&mut t.elems)),
            E::If(i) => {
                work.push(take(&mut i.cond));
                push_stmts(std::mem::take(&mut i.then_branch.stmts), &mut work);
                work.extend(i.else_branch.take().map(|(_, x)| *x));
            }
            E::Block(b) => push_stmts(std::mem::take(&mut b.block.stmts), &mut work),
            E::Unsafe(b) => push_stmts(std::mem::take(&mut b.block.stmts), &mut work),
            E::Loop(l) => push_stmts(std::mem::take(&mut l.body.stmts), &mut work),
            E::While(w) => {
                work.push(take(&mut w.cond));
                push_stmts(std::mem::take(&mut w.body.stmts), &mut work);
            }
            E::ForLoop(f) => {
                work.push(take(&mut f.expr));
                push_stmts(std::mem::take(&mut f.body.stmts), &mut work);
            }
            E::Match(m) => {
                work.push(take(&mut m.expr));
                for arm in std::mem::take(&mut m.arms) {
                    work.push(*arm.body);
                    work.extend(arm.guard.map(|(_, g)| *g));
                }
            }
            _ => {}
        }
        // `e` now holds no sub-expression of the kinds above: dropped flat
    }
}

fn push_stmts(stmts: Vec<syn::Stmt>, work: &mut Vec<syn::Expr>) {
    for s in stmts {
        match s {
            syn::Stmt::Local(l) => {
                if let Some(init) = l.init {
                    work.push(*init.expr);
                    work.extend(init.diverge.map(|(_, e)| *e));
                }
            }
            syn::Stmt::Expr(e, _) => work.push(e),
            syn::Stmt::Item(_) | syn::Stmt::Macro(_) => {}
        }
    }
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

/// The span of an expression's first token, found without printing it:
/// what `syn::spanned::Spanned::span` gives in a proc macro on stable Rust
/// (where spans cannot be joined), but walking down the leftmost operand
/// instead of printing the whole tree (recursively, and once per call).
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
            E::Range(syn::ExprRange {
                start: Some(s), ..
            }) => s,
            E::Unary(u) => return u.op.span(),
            E::Paren(p) => return p.paren_token.span.open(),
            E::Tuple(t) => return t.paren_token.span.open(),
            E::Array(a) => return a.bracket_token.span.open(),
            E::Reference(r) => return r.and_token.span,
            E::If(i) => return i.if_token.span,
            E::Lit(l) => return l.lit.span(),
            E::Path(p) => return p.span(),
            other => return other.span(),
        };
    }
}
