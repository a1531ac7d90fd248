//! Generic floats: `#[differentiable] fn f<T: Float>(x: T, y: T) -> T`.
//!
//! The bound is the runtime's `macrograd::Float` (sealed to `f32` and `f64`,
//! the two types the generator knows; no extra dependency such as
//! `num_traits`, and every method generated code calls on a float, `powi`,
//! `sqrt`, `exp`, `ln`, `tanh`, `max`, ..., is one of its methods).
//!
//! The function is differentiated once, as its `f64` instance: every `T`
//! is read as `f64`, `T::from_f64(c)` as the constant `c`, `T::ONE` and
//! `T::ZERO` as `1.0` and `0.0`. The generated items are then written back
//! over `T`: each `f64` becomes `T`, and each float constant becomes a
//! `let` at the top of the generated function, `T::from_f64(c)`, so it is
//! converted exactly once per call (and folds away once monomorphised).
//! The function itself is emitted as written.
//!
//! Everything here walks token trees with an explicit stack: no recursion
//! on the depth of the user's input.

use proc_macro2::{Delimiter, Group, Ident, Spacing, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};

/// The generic header of a function: where `<…>` sits and its type parameter.
pub struct Header {
    /// The type parameter, `T`.
    pub param: Ident,
    /// The parameter with its bound, as written (`T: Float`).
    pub bounded: TokenStream,
}

/// What to do with an item whose top level reads `fn name <…>`.
pub enum Generic {
    /// Not generic: expand as usual.
    No,
    /// `<T: Float>`: differentiate the `f64` instance (the tokens given).
    Float(Header, TokenStream),
    /// Other generic parameters: this error, and the `f64` instance to
    /// expand beside it when the parameters are types only (so the error is
    /// the only one; otherwise the item is emitted as written).
    Error(syn::Error, Option<TokenStream>),
}

const BOUND_MSG: &str = "a generic `#[differentiable]` function takes one type parameter bounded by the float trait only: write `<T: Float>` (with `use macrograd::Float;`), or write one function per float type (`f32`, `f64`)";

const WHERE_MSG: &str = "a `#[differentiable]` function cannot have a `where` clause: write the float bound in the angle brackets, `fn f<T: Float>(…)`, and remove the `where` clause";

/// Reads the header of an item and, for `<T: Float>`, its `f64` instance.
pub fn classify(item: &TokenStream) -> Generic {
    let toks: Vec<TokenTree> = item.clone().into_iter().collect();
    let Some(fn_at) = toks
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i == "fn"))
    else {
        return Generic::No;
    };
    let lt = fn_at + 2;
    if !matches!(toks.get(lt), Some(TokenTree::Punct(p)) if p.as_char() == '<') {
        return Generic::No;
    }
    // the matching `>`: bounds here are paths, so angle depth is enough
    let mut depth = 0usize;
    let mut gt = None;
    for (k, t) in toks.iter().enumerate().skip(lt) {
        if let TokenTree::Punct(p) = t {
            match p.as_char() {
                '<' => depth += 1,
                '>' if !(k > 0
                    && matches!(&toks[k - 1], TokenTree::Punct(q) if q.as_char() == '-' && q.spacing() == Spacing::Joint)) =>
                {
                    depth -= 1;
                    if depth == 0 {
                        gt = Some(k);
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    let Some(gt) = gt else {
        return Generic::No;
    };
    let generics_ts: TokenStream = toks[lt..=gt].iter().cloned().collect();
    // the `where` clause (between the signature and the body, at the top
    // level) is not part of `syn::Generics` here: it is reported alone, and
    // the instance expanded beside the error is taken without it
    let body = toks.len().saturating_sub(1);
    let where_at = toks
        .iter()
        .enumerate()
        .take(body)
        .skip(gt + 1)
        .find(|(_, t)| matches!(t, TokenTree::Ident(i) if i == "where"))
        .map(|(k, _)| k);
    let mut rest: Vec<TokenTree> = toks[..lt].to_vec();
    rest.extend(toks[gt + 1..where_at.unwrap_or(gt + 1)].iter().cloned());
    rest.extend(toks[where_at.map_or(gt + 1, |_| body)..].iter().cloned());
    let rest: TokenStream = rest.into_iter().collect();
    let generics: syn::Generics = match syn::parse2(generics_ts) {
        Ok(g) => g,
        Err(e) => return Generic::Error(e, None),
    };
    if let Some(w) = where_at {
        let clause: TokenStream = toks[w..body].iter().cloned().collect();
        let e = syn::Error::new_spanned(clause, WHERE_MSG);
        let inst = generics
            .type_params()
            .fold(rest, |ts, t| instance(ts, &t.ident));
        return Generic::Error(e, Some(inst));
    }
    match check(&generics) {
        Ok(h) => {
            let concrete = instance(rest, &h.param);
            Generic::Float(h, concrete)
        }
        Err(e) => {
            let types_only = generics
                .params
                .iter()
                .all(|p| matches!(p, syn::GenericParam::Type(_)));
            let inst = types_only.then(|| {
                generics
                    .type_params()
                    .fold(rest, |ts, t| instance(ts, &t.ident))
            });
            Generic::Error(e, inst)
        }
    }
}

/// The one accepted shape, `<T: Float>` (or `<T: macrograd::Float>`).
fn check(g: &syn::Generics) -> syn::Result<Header> {
    let mut ty = None;
    for p in &g.params {
        match p {
            syn::GenericParam::Lifetime(l) => {
                return Err(syn::Error::new_spanned(
                    l,
                    "a `#[differentiable]` function takes no lifetime parameters: write `&[f64]` / `&T` with an elided lifetime",
                ))
            }
            syn::GenericParam::Const(c) => {
                return Err(syn::Error::new_spanned(
                    c,
                    "a `#[differentiable]` function takes no const generic parameters: write the length as a literal (`[f64; 3]`)",
                ))
            }
            syn::GenericParam::Type(t) => {
                let is_float = t.bounds.len() == 1
                    && t.default.is_none()
                    && matches!(t.bounds.first(), Some(syn::TypeParamBound::Trait(b))
                        if b.lifetimes.is_none()
                            && matches!(b.modifier, syn::TraitBoundModifier::None)
                            && b.path.segments.last().is_some_and(|s| s.ident == "Float" && s.arguments.is_empty()));
                if !is_float || ty.is_some() {
                    return Err(syn::Error::new_spanned(t, BOUND_MSG));
                }
                ty = Some(t);
            }
        }
    }
    let t = ty.ok_or_else(|| syn::Error::new_spanned(g, BOUND_MSG))?;
    Ok(Header {
        param: t.ident.clone(),
        bounded: quote!(#t),
    })
}

/// One token list being rebuilt, and the group it closes into.
struct Frame {
    toks: Vec<TokenTree>,
    at: usize,
    out: Vec<TokenTree>,
    delim: Delimiter,
    span: Span,
}

impl Frame {
    fn new(ts: TokenStream, delim: Delimiter, span: Span) -> Frame {
        Frame {
            toks: ts.into_iter().collect(),
            at: 0,
            out: Vec::new(),
            delim,
            span,
        }
    }
}

/// Rebuilds a token stream bottom-up: `step` sees each non-group token with
/// the rest of its list and returns the tokens to put instead and how many
/// it consumed.
fn rebuild(
    ts: TokenStream,
    mut step: impl FnMut(&[TokenTree]) -> Option<(Vec<TokenTree>, usize)>,
) -> TokenStream {
    let mut stack = vec![Frame::new(ts, Delimiter::None, Span::call_site())];
    loop {
        let top = stack.last_mut().expect("the root frame stays");
        if top.at == top.toks.len() {
            let done = stack.pop().expect("just seen");
            let Some(parent) = stack.last_mut() else {
                return done.out.into_iter().collect();
            };
            let mut g = Group::new(done.delim, done.out.into_iter().collect());
            g.set_span(done.span);
            parent.out.push(TokenTree::Group(g));
            continue;
        }
        if let TokenTree::Group(g) = &top.toks[top.at] {
            let frame = Frame::new(g.stream(), g.delimiter(), g.span());
            top.at += 1;
            stack.push(frame);
            continue;
        }
        match step(&top.toks[top.at..]) {
            Some((with, n)) => {
                top.out.extend(with);
                top.at += n.max(1);
            }
            None => {
                top.out.push(top.toks[top.at].clone());
                top.at += 1;
            }
        }
    }
}

fn is_path_sep(toks: &[TokenTree]) -> bool {
    matches!((toks.first(), toks.get(1)), (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
        if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':')
}

fn float_lit(text: &str, span: Span) -> TokenTree {
    let mut l: proc_macro2::Literal = text.parse().expect("a float literal");
    l.set_span(span);
    TokenTree::Literal(l)
}

/// The `f64` instance: `T::from_f64(c)` -> `(c)`, `T::ONE` -> `1.0`,
/// `T::ZERO` -> `0.0`, any other `T` -> `f64`.
fn instance(ts: TokenStream, t: &Ident) -> TokenStream {
    rebuild(ts, |toks| {
        let TokenTree::Ident(id) = &toks[0] else {
            return None;
        };
        if id != t {
            return None;
        }
        if is_path_sep(&toks[1..]) {
            if let Some(TokenTree::Ident(name)) = toks.get(3) {
                let lit = |s| Some((vec![float_lit(s, name.span())], 4));
                if name == "ONE" {
                    return lit("1.0");
                }
                if name == "ZERO" {
                    return lit("0.0");
                }
                if name == "from_f64" {
                    if let Some(TokenTree::Group(g)) = toks.get(4) {
                        if g.delimiter() == Delimiter::Parenthesis {
                            return Some((vec![TokenTree::Group(g.clone())], 5));
                        }
                    }
                }
            }
        }
        Some((vec![TokenTree::Ident(Ident::new("f64", id.span()))], 1))
    })
}

/// The items the `f64` instance expanded to, written over `T`: `original`
/// (the function as written) replaces the instance's own function.
pub fn generalize(
    h: &Header,
    name: &str,
    original: TokenStream,
    expanded: TokenStream,
) -> TokenStream {
    match items(h, Some((name, original)), name, expanded) {
        Ok(ts) => ts,
        Err(e) => e.into_compile_error(),
    }
}

/// [`generalize`] on a list of items; `primal` is `None` inside an `impl`
/// (whose functions are all generated ones).
fn items(
    h: &Header,
    primal: Option<(&str, TokenStream)>,
    outer: &str,
    expanded: TokenStream,
) -> syn::Result<TokenStream> {
    let toks: Vec<TokenTree> = expanded.into_iter().collect();
    let name = primal.as_ref().map_or(outer, |(n, _)| *n);
    let mut out = TokenStream::new();
    let mut start = 0;
    for (k, t) in toks.iter().enumerate() {
        let end = match t {
            TokenTree::Group(g) => g.delimiter() == Delimiter::Brace,
            TokenTree::Punct(p) => p.as_char() == ';',
            _ => false,
        };
        if !end {
            continue;
        }
        let item = &toks[start..=k];
        start = k + 1;
        let fn_at = item
            .iter()
            .position(|t| matches!(t, TokenTree::Ident(i) if i == "fn"));
        let is_impl = item
            .iter()
            .any(|t| matches!(t, TokenTree::Ident(i) if i == "impl"));
        match fn_at.and_then(|f| match item.get(f + 1) {
            Some(TokenTree::Ident(n)) => Some((f, n)),
            _ => None,
        }) {
            Some((_, n)) if primal.as_ref().is_some_and(|(p, _)| n == p) => {
                let original = primal.as_ref().expect("checked").1.clone();
                out.extend(strip_nograd(original))
            }
            // a function without floats (`has_derivative`) stays as it is:
            // a type parameter nothing mentions could not be inferred
            Some(_) if !mentions_f64(item) => out.extend(item.iter().cloned()),
            Some((f, _)) => out.extend(generic_fn(h, item, f, name)?),
            None if is_impl && primal.is_some() => {
                let (body, head) = item.split_last().expect("an item ends with its body");
                let TokenTree::Group(body) = body else {
                    unreachable!("an item that ends in `;` has no `impl` body")
                };
                out.extend(head.iter().cloned());
                let mut g = Group::new(Delimiter::Brace, items(h, None, name, body.stream())?);
                g.set_span(body.span());
                out.extend([TokenTree::Group(g)]);
            }
            None if mentions_f64(item) => {
                return Err(syn::Error::new_spanned(
                    &h.bounded,
                    "this function's generated items cannot be generic over the float type yet: write it for `f64` (or `f32`)",
                ))
            }
            None => out.extend(item.iter().cloned()),
        }
    }
    out.extend(toks[start..].iter().cloned());
    Ok(out)
}

fn mentions_f64(item: &[TokenTree]) -> bool {
    let mut found = false;
    let _ = rebuild(item.iter().cloned().collect(), |t| {
        found |= matches!(&t[0], TokenTree::Ident(i) if i == "f64");
        None
    });
    found
}

/// The function as written, without the `#[nograd]` markers on its parameters.
pub fn strip_nograd(ts: TokenStream) -> TokenStream {
    rebuild(ts, |toks| match (&toks[0], toks.get(1)) {
        (TokenTree::Punct(p), Some(TokenTree::Group(g)))
            if p.as_char() == '#'
                && g.delimiter() == Delimiter::Bracket
                && g.stream().to_string().trim() == crate::parse::NOGRAD =>
        {
            Some((Vec::new(), 2))
        }
        _ => None,
    })
}

/// One generated function over `T`: the parameter is added to its generics,
/// `f64` becomes `T`, and its float constants are hoisted into `let`s.
///
/// `let _ = name;` (a use of the primal) names its instance, `name::<T>`.
fn generic_fn(
    h: &Header,
    item: &[TokenTree],
    fn_at: usize,
    name: &str,
) -> syn::Result<TokenStream> {
    let (body, head) = item.split_last().expect("an item ends with its body");
    let TokenTree::Group(body) = body else {
        // a declaration without a body: nothing to generalize
        return Ok(item.iter().cloned().collect());
    };
    let t = &h.param;
    let bounded = &h.bounded;
    let mut out: Vec<TokenTree> = head[..fn_at + 2].to_vec();
    let rest = &head[fn_at + 2..];
    let rest = match rest.first() {
        Some(TokenTree::Punct(p)) if p.as_char() == '<' => {
            out.push(TokenTree::Punct(p.clone()));
            out.extend(quote!(#bounded,));
            &rest[1..]
        }
        _ => {
            out.extend(quote!(<#bounded>));
            rest
        }
    };
    let to_t = |toks: &[TokenTree]| match &toks[0] {
        TokenTree::Ident(i) if i == "f64" => Some((vec![TokenTree::Ident(t.clone())], 1)),
        _ => None,
    };
    out.extend(rebuild(rest.iter().cloned().collect(), to_t));
    let mut consts: Vec<(String, Ident)> = Vec::new();
    let mut nested = None;
    let new_body = rebuild(body.stream(), |toks| {
        let mut constant = |text: String, span: Span| {
            let k = consts
                .iter()
                .position(|(c, _)| *c == text)
                .unwrap_or_else(|| {
                    let id = Ident::new(&format!("__mg_c{}", consts.len()), Span::mixed_site());
                    consts.push((text, id));
                    consts.len() - 1
                });
            let mut id = consts[k].1.clone();
            id.set_span(Span::mixed_site().located_at(span));
            id
        };
        match &toks[0] {
            TokenTree::Ident(i)
                if i == name
                    && matches!(toks.get(1), Some(TokenTree::Punct(p)) if p.as_char() == ';') =>
            {
                Some((quote!(#i::<#t>).into_iter().collect(), 1))
            }
            TokenTree::Ident(i) if i == "fn" => {
                nested.get_or_insert(i.span());
                None
            }
            TokenTree::Ident(i) if i == "f64" => {
                if is_path_sep(&toks[1..]) {
                    if let Some(TokenTree::Ident(c)) = toks.get(3) {
                        if c == "NAN" || c == "INFINITY" || c == "NEG_INFINITY" {
                            let id = constant(format!("::core::f64::{c}"), c.span());
                            return Some((vec![TokenTree::Ident(id)], 4));
                        }
                    }
                }
                to_t(toks)
            }
            TokenTree::Literal(l) => {
                let lit = syn::parse_str::<syn::LitFloat>(&l.to_string()).ok()?;
                let id = constant(format!("{}_f64", lit.base10_digits()), l.span());
                Some((vec![TokenTree::Ident(id)], 1))
            }
            _ => None,
        }
    });
    if let Some(span) = nested {
        return Err(syn::Error::new(
            span,
            "this function's generated code cannot be generic over the float type yet: write it for `f64` (or `f32`)",
        ));
    }
    let lets = consts.iter().map(|(text, id)| {
        let value: TokenStream = text.parse().expect("a constant's text parses");
        quote_spanned!(Span::mixed_site()=> let #id: #t = <#t as ::macrograd::Real>::from_f64(#value);)
    });
    let mut g = Group::new(Delimiter::Brace, quote!(#(#lets)* #new_body));
    g.set_span(body.span());
    out.push(TokenTree::Group(g));
    Ok(out.into_iter().collect())
}

/// The name after the item's first `fn`.
pub fn fn_name(item: &TokenStream) -> Option<String> {
    let toks: Vec<TokenTree> = item.clone().into_iter().collect();
    let at = toks
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i == "fn"))?;
    match toks.get(at + 1) {
        Some(TokenTree::Ident(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether an expansion reports errors (`compile_error!`): it is then
/// returned as it is, the errors pointing at the user's tokens.
pub fn has_errors(ts: &TokenStream) -> bool {
    let mut found = false;
    let _ = rebuild(ts.clone(), |t| {
        found |= matches!(&t[0], TokenTree::Ident(i) if i == "compile_error");
        None
    });
    found
}
