//! Parsing of deeply nested groups in pieces (issue 11 §4): syn's parser
//! recurses once per nested group, about 13 KB of stack per level of
//! `relu(relu(…))` in a proc macro built at opt-level 0 (Cargo's default for
//! a user's proc macros), so 1,000 levels overflowed rustc's 8 MiB stack;
//! nested blocks and `if`s overflowed at 500.
//!
//! Input whose groups nest deeper than [`DEEP`] is cut, bottom-up, at every
//! [`PIECE`]th level of groups:
//! - in parentheses, each comma-separated expression becomes a piece of its
//!   own, parsed alone, and the group keeps a placeholder name for it;
//! - in braces, the contents become one piece, parsed as a block, and the
//!   group keeps a block placeholder `{ __macrograd_block_k }`. It is put
//!   back only where a block stands (the body of a block expression, `if`,
//!   loop, `unsafe`): the block gets the piece's statements, the tree syn
//!   builds from the whole. Braces of anything else (a struct literal, a
//!   `match`) leave their placeholder unused or fail to parse as a block.
//!
//! The pieces are then put back in place of their placeholders with a work
//! list. Anything the pieces cannot stand for (a parenthesised pattern or
//! type that deep, a piece that is not an expression, a placeholder left
//! over) falls back to parsing the input whole, as before.

use proc_macro2::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenStream, TokenTree};

use super::flat;

/// Group nesting up to which input is parsed whole.
const DEEP: usize = 64;
/// Levels of parentheses in one piece.
const PIECE: usize = 16;
/// The placeholder names: `__macrograd_piece_0`, …
const PREFIX: &str = "__macrograd_piece_";
/// The block placeholder names: `__macrograd_block_0`, …
const BLOCK_PREFIX: &str = "__macrograd_block_";

/// Parses a `T`; when the input nests deeper than [`DEEP`], in pieces,
/// whose placeholders are replaced in the expressions `roots` gives.
pub fn parse<T: syn::parse::Parse>(
    tokens: TokenStream,
    roots: fn(&mut T) -> Vec<&mut syn::Expr>,
) -> syn::Result<T> {
    if nesting(&tokens) <= DEEP {
        return syn::parse2(tokens);
    }
    let mut pieces = Vec::new();
    let top = split(tokens.clone(), &mut pieces);
    match assemble(top, pieces, roots) {
        Some(t) => Ok(t),
        None => syn::parse2(tokens),
    }
}

pub fn assemble<T: syn::parse::Parse>(
    top: TokenStream,
    pieces: Vec<TokenStream>,
    roots: fn(&mut T) -> Vec<&mut syn::Expr>,
) -> Option<T> {
    let mut parsed: Vec<Option<syn::Expr>> = Vec::with_capacity(pieces.len());
    let mut ok = true;
    // a piece holds placeholders of earlier pieces only (cut bottom-up)
    for tokens in pieces {
        match syn::parse2::<syn::Expr>(tokens) {
            Ok(mut e) if ok => {
                ok = fill(vec![&mut e], &mut parsed);
                parsed.push(Some(e));
            }
            Ok(e) => parsed.push(Some(e)),
            Err(_) => {
                ok = false;
                parsed.push(None);
            }
        }
    }
    let mut t = if ok { syn::parse2::<T>(top).ok() } else { None };
    if let Some(t) = &mut t {
        ok = fill(roots(t), &mut parsed) && parsed.iter().all(Option::is_none);
    }
    let leftover = parsed.into_iter().flatten();
    flat::dismantle(leftover.map(|e| syn::Stmt::Expr(e, None)).collect());
    match t {
        Some(t) if ok => Some(t),
        Some(mut t) => {
            let parts = roots(&mut t).into_iter().map(|e| {
                syn::Stmt::Expr(
                    std::mem::replace(e, syn::Expr::Verbatim(TokenStream::new())),
                    None,
                )
            });
            flat::dismantle(parts.collect());
            None
        }
        None => None,
    }
}

/// Replaces the placeholders under `roots` by their parsed pieces; false if
/// one has no piece (not parsed, or already used).
fn fill(mut work: Vec<&mut syn::Expr>, parsed: &mut [Option<syn::Expr>]) -> bool {
    while let Some(e) = work.pop() {
        if let Some(k) = placeholder(e, PREFIX) {
            match parsed.get_mut(k).and_then(Option::take) {
                Some(piece) => *e = piece,
                None => return false,
            }
            continue;
        }
        if let Some(block) = own_block(e) {
            if let Some(k) = block_placeholder(block) {
                match parsed.get_mut(k).and_then(Option::take) {
                    Some(syn::Expr::Block(piece)) => block.stmts = piece.block.stmts,
                    _ => return false,
                }
            }
        }
        flat::sub_exprs(e, &mut work);
    }
    true
}

fn placeholder(e: &syn::Expr, prefix: &str) -> Option<usize> {
    let syn::Expr::Path(p) = e else {
        return None;
    };
    let name = p.path.get_ident()?.to_string();
    name.strip_prefix(prefix)?.parse().ok()
}

/// The block an expression is written with, where a block stands in
/// Rust's grammar (an `else` block is a block expression of its own).
fn own_block(e: &mut syn::Expr) -> Option<&mut syn::Block> {
    match e {
        syn::Expr::Block(b) => Some(&mut b.block),
        syn::Expr::If(i) => Some(&mut i.then_branch),
        syn::Expr::Loop(l) => Some(&mut l.body),
        syn::Expr::While(w) => Some(&mut w.body),
        syn::Expr::ForLoop(f) => Some(&mut f.body),
        syn::Expr::Unsafe(u) => Some(&mut u.block),
        _ => None,
    }
}

/// `k` when the block is exactly `{ __macrograd_block_k }`.
fn block_placeholder(block: &syn::Block) -> Option<usize> {
    match block.stmts.as_slice() {
        [syn::Stmt::Expr(e, None)] => placeholder(e, BLOCK_PREFIX),
        _ => None,
    }
}

/// The deepest nesting of groups in `tokens`.
fn nesting(tokens: &TokenStream) -> usize {
    let mut deepest = 0;
    let mut stack = vec![tokens.clone().into_iter()];
    while let Some(it) = stack.last_mut() {
        match it.next() {
            Some(TokenTree::Group(g)) => {
                stack.push(g.stream().into_iter());
                deepest = deepest.max(stack.len() - 1);
            }
            Some(_) => {}
            None => {
                stack.pop();
            }
        }
    }
    deepest
}

/// `tokens` with the contents of every parenthesised or braced group at a
/// depth that is a multiple of [`PIECE`] moved to `pieces` (see the module
/// documentation), rebuilt bottom-up with a stack of open groups.
pub fn split(tokens: TokenStream, pieces: &mut Vec<TokenStream>) -> TokenStream {
    struct Open {
        tokens: proc_macro2::token_stream::IntoIter,
        out: Vec<TokenTree>,
        group: Option<Group>,
    }
    let mut stack = vec![Open {
        tokens: tokens.into_iter(),
        out: Vec::new(),
        group: None,
    }];
    loop {
        let depth = stack.len() - 1;
        let top = stack
            .last_mut()
            .expect("the outermost level is popped last");
        match top.tokens.next() {
            Some(TokenTree::Group(g)) => stack.push(Open {
                tokens: g.stream().into_iter(),
                out: Vec::new(),
                group: Some(g),
            }),
            Some(tt) => top.out.push(tt),
            None => {
                let open = stack.pop().expect("not empty");
                let Some(g) = open.group else {
                    return open.out.into_iter().collect();
                };
                let inner = match g.delimiter() {
                    Delimiter::Parenthesis if depth % PIECE == 0 => placeholders(open.out, pieces),
                    Delimiter::Brace if depth % PIECE == 0 && !open.out.is_empty() => {
                        block_piece(g.span(), open.out, pieces)
                    }
                    _ => open.out.into_iter().collect(),
                };
                let mut rebuilt = Group::new(g.delimiter(), inner);
                rebuilt.set_span(g.span());
                let parent = stack.last_mut().expect("a group has a parent");
                parent.out.push(TokenTree::Group(rebuilt));
            }
        }
    }
}

/// A braced group's contents moved to `pieces` as a block `{ … }`, and the
/// block placeholder that stays in the group.
fn block_piece(span: Span, content: Vec<TokenTree>, pieces: &mut Vec<TokenStream>) -> TokenStream {
    let mut block = Group::new(Delimiter::Brace, content.into_iter().collect());
    block.set_span(span);
    let name = Ident::new(&format!("{BLOCK_PREFIX}{}", pieces.len()), span);
    pieces.push(TokenTree::Group(block).into());
    TokenTree::Ident(name).into()
}

/// The comma-separated parts of a group's contents moved to `pieces`, and
/// their placeholders, separated by the same commas.
fn placeholders(content: Vec<TokenTree>, pieces: &mut Vec<TokenStream>) -> TokenStream {
    let mut out: Vec<TokenTree> = Vec::new();
    let mut part: Vec<TokenTree> = Vec::new();
    let mut flush = |part: &mut Vec<TokenTree>, out: &mut Vec<TokenTree>| {
        if let Some(first) = part.first() {
            let name = Ident::new(&format!("{PREFIX}{}", pieces.len()), first.span());
            pieces.push(part.drain(..).collect());
            out.push(TokenTree::Ident(name));
        }
    };
    for tt in content {
        match tt {
            TokenTree::Punct(p) if p.as_char() == ',' => {
                flush(&mut part, &mut out);
                let mut comma = Punct::new(',', Spacing::Alone);
                comma.set_span(p.span());
                out.push(TokenTree::Punct(comma));
            }
            other => part.push(other),
        }
    }
    flush(&mut part, &mut out);
    out.into_iter().collect()
}
