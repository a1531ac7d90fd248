//! Parse: the user's item or closure -> a checked surface description.
//!
//! Reads the signature (parameters, `#[nograd]`, float type, attribute
//! arguments) and rejects what cannot be differentiated with an error on the
//! user's own tokens. Bodies are read later, by `ir::lower`.

mod attr;
#[doc(hidden)]
pub mod flat;
#[doc(hidden)]
pub mod nested;
mod param;

pub(crate) use param::{array_len, too_many_elements};
use param::{param_float, parse_param, parse_receiver};

pub use attr::{parse_attr_args, GradArgs, Mode};

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;

use crate::ctxt::Ctxt;
use crate::types::{float_of_type, Float, FnParam, Signature};

/// The attribute that marks a parameter as an input without a gradient.
pub const NOGRAD: &str = "nograd";

/// The most scalar elements the parameters of one differentiable function
/// may have altogether (and the widest vector of a network): the macro
/// writes code per element, so sizes are checked against this before
/// anything is allocated for them.
pub const MAX_ELEMENTS: usize = 1_000_000;

/// The longest fixed array a `#[differentiable]` function may return: its
/// Jacobian is written out entry by entry.
pub const MAX_OUTPUTS: usize = 4096;

/// A `#[differentiable]` function.
pub struct GradFn {
    /// The function as the user wrote it, `#[nograd]` markers removed; its
    /// block is the body's tokens as written (see `flat.rs`).
    pub item: syn::ItemFn,
    /// The body, parsed: what is lowered.
    pub body: syn::Block,
    /// The attribute's arguments.
    pub args: GradArgs,
    /// The checked signature, if it could be read.
    pub sig: Option<Signature>,
}

impl Drop for GradFn {
    fn drop(&mut self) {
        flat::dismantle(std::mem::take(&mut self.body.stmts));
    }
}

/// A `grad!(|…| …)` closure.
pub struct GradClosure {
    /// The closure as written, `#[nograd]` markers removed.
    pub closure: syn::ExprClosure,
    /// The checked signature, if it could be read.
    pub sig: Option<Signature>,
}

impl Drop for GradClosure {
    fn drop(&mut self) {
        let body = std::mem::replace(
            &mut *self.closure.body,
            syn::Expr::Verbatim(TokenStream::new()),
        );
        flat::dismantle(vec![syn::Stmt::Expr(body, None)]);
    }
}

/// Reads a `#[differentiable]` item. Returns `None` only when the item is not a
/// function at all; other mistakes are recorded in `cx`.
pub fn parse_fn(attr: TokenStream, item: TokenStream, cx: &Ctxt) -> Option<GradFn> {
    let args = match parse_attr_args(attr) {
        Ok(a) => a,
        Err(e) => {
            cx.push(e);
            GradArgs::default()
        }
    };
    let written_body = flat::body_group(&item);
    let starts_with_let = matches!(item.clone().into_iter().next(), Some(proc_macro2::TokenTree::Ident(i)) if i == "let");
    let item: syn::Item = match nested::parse(item, fn_body_exprs) {
        Ok(i) => i,
        Err(e) if starts_with_let => {
            cx.push(syn::Error::new(
                e.span(),
                "`#[differentiable]` applies to functions; for a closure write `let f = grad!(|x: f64| ...);`",
            ));
            return None;
        }
        Err(e) => {
            cx.push(e);
            return None;
        }
    };
    let mut item = match item {
        syn::Item::Fn(f) => f,
        other => {
            cx.error_at(
                item_keyword_span(&other),
                "`#[differentiable]` applies to free functions only: write `fn name(x: f64, ...) -> f64 { ... }`",
            );
            return None;
        }
    };
    let body = match &written_body {
        Some(g) => *std::mem::replace(&mut item.block, Box::new(flat::verbatim_block(g))),
        None => (*item.block).clone(),
    };
    check_fn_header(&item.sig, cx);
    // a method, or an associated function that names `Self`: its items
    // go in the same `impl`
    let assoc = item.sig.receiver().is_some() || names_self(&item);
    item.attrs.retain(|a| {
        if a.path().is_ident(NOGRAD) {
            cx.error_spanned_by(a, "`#[nograd]` belongs on a parameter, not on the function");
            return false;
        }
        true
    });
    let params = item
        .sig
        .inputs
        .iter_mut()
        .map(|input| match input {
            syn::FnArg::Receiver(r) => parse_receiver(r, cx),
            syn::FnArg::Typed(pt) => parse_param(&mut pt.attrs, &pt.pat, &pt.ty, cx),
        })
        .collect::<Vec<_>>();
    let ret = match &item.sig.output {
        syn::ReturnType::Type(_, ty) => Some(&**ty),
        syn::ReturnType::Default => {
            cx.error_spanned_by(
                &item.sig.ident,
                "a `#[differentiable]` function returns its value: add `-> f64` (or `-> f32`)",
            );
            None
        }
    };
    let mut sig = signature(params, ret, true, cx).map(|s| Signature {
        checkpoint: args.checkpoint,
        record: args.record.is_some(),
        ..s
    });
    if let Some(sig) = &mut sig {
        sig.assoc = assoc;
    }
    Some(GradFn {
        item,
        body,
        args,
        sig,
    })
}

/// The expressions of a function item's body (none for other items).
#[doc(hidden)]
pub fn fn_body_exprs(item: &mut syn::Item) -> Vec<&mut syn::Expr> {
    let mut out = Vec::new();
    if let syn::Item::Fn(f) = item {
        flat::stmt_exprs(&mut f.block.stmts, &mut out);
    }
    out
}

/// Reads a `grad!` closure.
pub fn parse_closure(input: TokenStream, cx: &Ctxt) -> Option<GradClosure> {
    let mut closure: syn::ExprClosure = match nested::parse(input, |c: &mut syn::ExprClosure| {
        vec![&mut *c.body]
    }) {
        Ok(c) => c,
        Err(e) => {
            cx.push(syn::Error::new(
                e.span(),
                format!("{e}; `grad!` takes a closure with typed parameters (`grad!(|x: f64, y: f64| x * y)`), `fn` items, or a network that starts with its `struct`"),
            ));
            return None;
        }
    };
    for kw in [
        closure.asyncness.map(|t| t.span()),
        closure.movability.map(|t| t.span()),
        closure.constness.map(|t| t.span()),
    ]
    .into_iter()
    .flatten()
    {
        cx.error_at(kw, "`grad!` takes a plain closure: remove this keyword");
    }
    let params = closure
        .inputs
        .iter_mut()
        .filter_map(|pat| match pat {
            syn::Pat::Type(pt) => Some(parse_param(&mut pt.attrs, &pt.pat, &pt.ty, cx)),
            syn::Pat::Ident(p) => {
                let id = &p.ident;
                cx.error_spanned_by(&*p, format!("give this parameter a type: `{id}: f64`"));
                None
            }
            other => {
                cx.error_spanned_by(&*other, "give this parameter a name and a type: `x: f64`");
                None
            }
        })
        .collect::<Vec<_>>();
    let ret = match &closure.output {
        syn::ReturnType::Type(_, ty) => Some(&**ty),
        syn::ReturnType::Default => None,
    };
    let sig = signature(params, ret, false, cx);
    Some(GradClosure { closure, sig })
}

pub(crate) fn item_keyword_span(item: &syn::Item) -> Span {
    match item {
        syn::Item::Struct(s) => s.struct_token.span,
        syn::Item::Enum(e) => e.enum_token.span,
        syn::Item::Impl(i) => i.impl_token.span,
        syn::Item::Mod(m) => m.mod_token.span,
        syn::Item::Trait(t) => t.trait_token.span,
        syn::Item::Const(c) => c.const_token.span,
        syn::Item::Static(s) => s.static_token.span,
        syn::Item::Type(t) => t.type_token.span,
        syn::Item::Use(u) => u.use_token.span,
        other => other.span(),
    }
}

/// Whether the function's signature or body names `Self` (so it sits in an
/// `impl` or a trait).
pub(crate) fn names_self(item: &syn::ItemFn) -> bool {
    let mut stack: Vec<TokenStream> = vec![
        quote::ToTokens::to_token_stream(&item.sig),
        quote::ToTokens::to_token_stream(&item.block),
    ];
    while let Some(ts) = stack.pop() {
        for tt in ts {
            match tt {
                proc_macro2::TokenTree::Ident(i) if i == "Self" => return true,
                proc_macro2::TokenTree::Group(g) => stack.push(g.stream()),
                _ => {}
            }
        }
    }
    false
}

/// The header rule: no generics, no `async`, `const`, `unsafe` or `extern`,
/// since the gradient is generated for one concrete float type.
fn check_fn_header(sig: &syn::Signature, cx: &Ctxt) {
    if let Some(lt) = sig.generics.lt_token {
        cx.error_at(
            lt.span,
            "`#[differentiable]` functions cannot be generic: write one function per float type (`f32` or `f64`)",
        );
    }
    if let Some(w) = &sig.generics.where_clause {
        cx.error_spanned_by(
            w,
            "`#[differentiable]` functions cannot have a `where` clause: remove it (the function is differentiated for its float type as written; for a generic float, write the bound in the angle brackets, `fn f<T: Float>(…)`)",
        );
    }
    if let Some(t) = sig.asyncness {
        cx.error_at(t.span, "`#[differentiable]` functions cannot be `async`");
    }
    if let Some(t) = sig.constness {
        cx.error_at(t.span, "`#[differentiable]` functions cannot be `const`");
    }
    if let Some(t) = sig.unsafety {
        cx.error_at(t.span, "`#[differentiable]` functions cannot be `unsafe`");
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(abi, "`#[differentiable]` functions cannot be `extern`");
    }
    if let Some(v) = &sig.variadic {
        cx.error_spanned_by(v, "`#[differentiable]` functions cannot be variadic");
    }
}

/// The float rule: every parameter and the return type use the same float type.
fn signature(
    params: Vec<Option<FnParam>>,
    ret: Option<&syn::Type>,
    vector_out: bool,
    cx: &Ctxt,
) -> Option<Signature> {
    let mut out_len = None;
    let mut out_tuple = false;
    let mut out_struct = None;
    let ret_float = match ret {
        // `(F, …, F)`: a tuple of floats, as a vector result
        Some(syn::Type::Tuple(t))
            if vector_out
                && (2..=MAX_OUTPUTS).contains(&t.elems.len())
                && t.elems
                    .iter()
                    .all(|e| matches!(float_of_type(e), Some((_, None))))
                && t.elems
                    .iter()
                    .all(|e| float_of_type(e) == float_of_type(&t.elems[0])) =>
        {
            out_len = Some(t.elems.len());
            out_tuple = true;
            float_of_type(&t.elems[0]).map(|(f, _)| f)
        }
        Some(ty) => match float_of_type(ty) {
            Some((f, None)) => Some(f),
            Some((f, Some(m))) if vector_out && (1..=MAX_OUTPUTS).contains(&m) => {
                out_len = Some(m);
                Some(f)
            }
            // `-> State`: the float type comes from the parameters
            _ if vector_out
                && !matches!(ty, syn::Type::Reference(_))
                && crate::types::struct_of_type(ty).is_some() =>
            {
                out_struct = Some(Box::new(ty.clone()));
                None
            }
            _ => {
                let msg = if vector_out {
                    format!("a differentiable function returns a scalar (`f64` or `f32`) or a fixed array of 1 to {MAX_OUTPUTS} of them (`[f64; 3]`)")
                } else {
                    "a differentiable function returns one scalar: `f64` or `f32`".to_string()
                };
                cx.error_spanned_by(ty, msg);
                return None;
            }
        },
        None => None,
    };
    // the parameters agree with each other but not with the return type:
    // one error, on the return type
    let param_floats: Vec<Float> = params.iter().flatten().filter_map(param_float).collect();
    if let (Some(ret_f), Some(&first), Some(ty)) = (ret_float, param_floats.first(), ret) {
        if first != ret_f && param_floats.iter().all(|&f| f == first) {
            cx.error_spanned_by(
                ty,
                format!(
                    "returns `{}` but the parameters are `{}`: a differentiable function uses one float type",
                    ret_f.name(),
                    first.name()
                ),
            );
            return None;
        }
    }
    let mut float = ret_float;
    let mut out = Vec::new();
    let mut ok = true;
    let mut elements = 0usize;
    for p in params {
        let Some(p) = p else {
            ok = false;
            continue;
        };
        let Some(f) = param_float(&p) else {
            out.push(p);
            continue;
        };
        elements = elements.saturating_add(p.len.unwrap_or(1));
        if elements > MAX_ELEMENTS && ok {
            cx.error_spanned_by(array_len(p.value_ty()), too_many_elements());
            ok = false;
        }
        match float {
            None => float = Some(f),
            Some(expected) if expected != f => {
                cx.error_spanned_by(
                    &p.ty,
                    format!(
                        "mixes `{}` and `{}`: every parameter and the result of a differentiable function use one float type",
                        f.name(),
                        expected.name()
                    ),
                );
                ok = false;
            }
            Some(_) => {}
        }
        out.push(p);
    }
    if !ok {
        return None;
    }
    if let (None, Some(ty)) = (float, &out_struct) {
        cx.error_spanned_by(
            ty,
            "the float type of a struct result is not visible here: add a float parameter (`#[nograd] h: f64`), \
             or return the struct's floats as an array (`-> [f64; 2]`)",
        );
        return None;
    }
    Some(Signature {
        float: float?,
        params: out,
        assoc: false,
        out_len,
        out_tuple,
        out_struct,
        checkpoint: None,
        record: false,
    })
}
