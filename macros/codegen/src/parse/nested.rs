//! Parsing of deeply nested parentheses in pieces (issue 11 §4): syn's
//! parser recurses once per nested group, about 13 KB of stack per level of
//! `relu(relu(…))` in a proc macro built at opt-level 0 (Cargo's default for
//! a user's proc macros), so 1,000 levels overflowed rustc's 8 MiB stack.
//!
//! Input whose groups nest deeper than [`DEEP`] is cut, bottom-up, at every
//! [`PIECE`]th level of parentheses: each comma-separated expression in such
//! a group becomes a piece of its own, parsed alone, and the group keeps a
//! placeholder name for it. The pieces are then put back in place of their
//! placeholders with a work list. Anything the pieces cannot stand for (a
//! parenthesised pattern or type that deep, a piece that is not an
//! expression, a placeholder left over) falls back to parsing the input
//! whole, as before.

use proc_macro2::{Delimiter, Group, Ident, Punct, Spacing, TokenStream, TokenTree};

use super::flat;

/// Group nesting up to which input is parsed whole.
const DEEP: usize = 64;
/// Levels of parentheses in one piece.
const PIECE: usize = 16;
/// The placeholder names: `__macrograd_piece_0`, …
const PREFIX: &str = "__macrograd_piece_";

/// Parses a `T`; when the input nests deeper than [`DEEP`], in pieces,
/// whose placeholders are replaced in the expressions `roots` gives.
pub(crate) fn parse<T: syn::parse::Parse>(
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

fn assemble<T: syn::parse::Parse>(
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
        if let Some(k) = placeholder(e) {
            match parsed.get_mut(k).and_then(Option::take) {
                Some(piece) => *e = piece,
                None => return false,
            }
            continue;
        }
        flat::sub_exprs(e, &mut work);
    }
    true
}

fn placeholder(e: &syn::Expr) -> Option<usize> {
    let syn::Expr::Path(p) = e else {
        return None;
    };
    let name = p.path.get_ident()?.to_string();
    name.strip_prefix(PREFIX)?.parse().ok()
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

/// `tokens` with the contents of every parenthesised group at a depth that
/// is a multiple of [`PIECE`] moved to `pieces` (see the module
/// documentation), rebuilt bottom-up with a stack of open groups.
fn split(tokens: TokenStream, pieces: &mut Vec<TokenStream>) -> TokenStream {
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
                let inner = if g.delimiter() == Delimiter::Parenthesis && depth % PIECE == 0 {
                    placeholders(open.out, pieces)
                } else {
                    open.out.into_iter().collect()
                };
                let mut rebuilt = Group::new(g.delimiter(), inner);
                rebuilt.set_span(g.span());
                let parent = stack.last_mut().expect("a group has a parent");
                parent.out.push(TokenTree::Group(rebuilt));
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;

    fn item(n: usize, inner: &str) -> TokenStream {
        format!(
            "fn f(x: f64) -> f64 {{ {}{inner}{} }}",
            "g(".repeat(n),
            ")".repeat(n)
        )
        .parse()
        .expect("lexes")
    }

    fn body(t: syn::Item) -> String {
        let mut t = t;
        let syn::Item::Fn(f) = &mut t else {
            panic!("a function")
        };
        let s = quote::ToTokens::to_token_stream(&f.block).to_string();
        super::flat::dismantle(std::mem::take(&mut f.block.stmts));
        s
    }

    /// In pieces, the same tree as syn parsing the whole (about 100 levels:
    /// in pieces, and still shallow enough for syn here); a closure's commas
    /// make its piece fail, and the whole is parsed instead.
    #[test]
    fn pieces_put_back_give_the_whole_tree() {
        let inners = ["x", "x, 1.0", "(x,)", "x * (x + 1.0), -x", "|a, b| a + b"];
        // innermost group at depth 96 (cut) and 101 (not)
        for (n, inner) in [95, 100].into_iter().flat_map(|n| inners.map(|i| (n, i))) {
            let tokens = item(n, inner);
            let pieces = super::parse(tokens.clone(), super::super::fn_body_exprs).expect("parses");
            let whole: syn::Item = syn::parse2(tokens).expect("parses");
            assert_eq!(body(pieces), body(whole), "{n}: {inner}");
        }
    }

    #[test]
    fn deep_parentheses_in_a_pattern_fall_back_to_the_whole() {
        let n = 100;
        let src = format!(
            "fn f(x: f64) -> f64 {{ let {}y{} = x; y }}",
            "(".repeat(n),
            ")".repeat(n)
        );
        let tokens: TokenStream = src.parse().expect("lexes");
        let t = super::parse(tokens.clone(), super::super::fn_body_exprs).expect("parses");
        let whole: syn::Item = syn::parse2(tokens).expect("parses");
        assert_eq!(body(t), body(whole));
    }
}
