//! `grad!`: one macro for everything written inline.
//!
//! Its input is one of three forms, told apart by the first keyword after
//! any outer attributes and visibility:
//!
//! - `struct` starts a network definition (the struct, `forward`, `loss`),
//!   expanded by [`crate::model`];
//! - `fn` (after qualifiers such as `const` or `async`, which the function
//!   checks then reject with their own message) starts one or more
//!   functions, each expanded as `#[differentiable]` would;
//! - anything else is a closure, expanded by [`crate::expand_closure`].

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;

/// The attribute that `grad! { fn .. }` items may carry to pass arguments
/// (`#[differentiable(custom = path)]`), as on a free function.
const DIFFERENTIABLE: &str = "differentiable";

/// Keywords that may stand before `fn` (or before a closure's `|`).
const QUALIFIERS: [&str; 4] = ["const", "async", "unsafe", "extern"];

/// What a `grad!` input is.
#[derive(Debug, PartialEq, Eq)]
#[doc(hidden)]
pub enum Form {
    Closure,
    Network,
    Functions,
}

/// Expands `grad!(input)`.
pub fn expand_grad(input: TokenStream) -> TokenStream {
    match form(&input) {
        Form::Network => crate::model::expand_model(input),
        Form::Functions => expand_functions(input),
        Form::Closure => crate::expand_closure(input),
    }
}

/// Tells the form from the first keyword after attributes and visibility.
/// Reads a bounded prefix of the tokens: attributes are single groups.
#[doc(hidden)]
pub fn form(input: &TokenStream) -> Form {
    let mut tokens = input.clone().into_iter().peekable();
    while let Some(t) = tokens.next() {
        match t {
            // `#[...]`: the group that follows belongs to the attribute
            TokenTree::Punct(p) if p.as_char() == '#' => {
                if matches!(tokens.peek(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket)
                {
                    tokens.next();
                }
            }
            TokenTree::Ident(i) if i == "pub" => {
                if matches!(tokens.peek(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
                {
                    tokens.next();
                }
            }
            TokenTree::Ident(i) if i == "struct" => return Form::Network,
            TokenTree::Ident(i) if i == "fn" => return Form::Functions,
            // qualifiers of a function or a closure (`extern "C"`: its ABI
            // string too); the keyword after them decides
            TokenTree::Ident(i) if QUALIFIERS.iter().any(|k| i == k) => {}
            TokenTree::Literal(_) => {}
            _ => return Form::Closure,
        }
    }
    Form::Closure
}

/// Expands each function item as `#[differentiable]` would, taking the
/// arguments of a `#[differentiable(...)]` it carries.
fn expand_functions(input: TokenStream) -> TokenStream {
    // parsed without their bodies, which `expand_differentiable` reads:
    // printed back as written (see `parse/flat.rs`)
    let (hollow, bodies) = crate::parse::flat::hollow_bodies(input.clone());
    let mut file: syn::File = match syn::parse2(hollow) {
        Ok(f) => f,
        Err(_) => match syn::parse2(input) {
            Ok(f) => f,
            Err(e) => return e.into_compile_error(),
        },
    };
    let fns = file.items.iter().filter(|i| matches!(i, syn::Item::Fn(_)));
    if fns.count() == bodies.len() {
        let fns = file.items.iter_mut().filter_map(|i| match i {
            syn::Item::Fn(f) => Some(f),
            _ => None,
        });
        for (f, body) in fns.zip(&bodies) {
            *f.block = crate::parse::flat::verbatim_block(body);
        }
    }
    let mut out = TokenStream::new();
    for mut item in file.items {
        let syn::Item::Fn(f) = &mut item else {
            // the item is kept as written, so uses of it resolve: one error
            let msg = "`grad! { ... }` holds functions, or a network that starts with its `struct`: move this item out of `grad!`";
            out.extend(
                syn::Error::new(crate::parse::item_keyword_span(&item), msg).into_compile_error(),
            );
            out.extend(item.into_token_stream());
            continue;
        };
        let args = take_args(&mut f.attrs).unwrap_or_else(|e| {
            // still expanded (without arguments), so callers see one error
            out.extend(e.into_compile_error());
            TokenStream::new()
        });
        out.extend(crate::expand_differentiable(args, item.into_token_stream()));
    }
    out
}

/// Removes a `#[differentiable]` / `#[differentiable(args)]` attribute and
/// returns its arguments; a second one is an error on it.
#[doc(hidden)]
pub fn take_args(attrs: &mut Vec<syn::Attribute>) -> syn::Result<TokenStream> {
    let mut args: Option<TokenStream> = None;
    let mut error = None;
    attrs.retain(|a| {
        if !a.path().is_ident(DIFFERENTIABLE) {
            return true;
        }
        let these = match &a.meta {
            syn::Meta::Path(_) => Ok(TokenStream::new()),
            syn::Meta::List(l) => Ok(l.tokens.clone()),
            syn::Meta::NameValue(nv) => Err(syn::Error::new_spanned(
                nv,
                "write `#[differentiable(custom = path)]`, not `#[differentiable = ...]`",
            )),
        };
        match (these, &args) {
            (Ok(t), None) => args = Some(t),
            (Ok(_), Some(_)) => {
                error.get_or_insert(syn::Error::new_spanned(
                    a,
                    "`#[differentiable]` is given twice: keep one",
                ));
            }
            (Err(e), _) => {
                error.get_or_insert(e);
            }
        }
        false
    });
    match error {
        Some(e) => Err(e),
        None => Ok(args.unwrap_or_default()),
    }
}
