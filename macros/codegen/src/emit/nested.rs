//! Writing a nested gradient call (see [`crate::ir::nested`]):
//!
//! ```text
//! let (v, (e_x, e_y,)) = h::pullback(x, y);                   // h_grad(x, y)
//! let (e_x, e_y,) = h::hvp_pullback((x, y,), (d_x, d_y,));   // its HVP
//! ```
//!
//! with each entry read back through `partial`. `#[differentiable(hessian)]`
//! writes `h::hvp_pullback`; without it, the name resolves to the runtime's
//! `MissingHessian::hvp_pullback`, whose one error says to add `hessian`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::body::Writer;
use crate::ir::{CallArg, Nested, NestedKind, NodeId};

impl Writer<'_> {
    /// The statement of a [`Nested`] node `n`.
    pub(super) fn nested_statement(&mut self, n: NodeId, c: &Nested) -> TokenStream {
        let g = self.g;
        let span = c.span.0;
        let args = self.call_args(&c.args, &c.by_ref, &c.arg_spans, span);
        let leading = c.path.first().is_some_and(String::is_empty);
        let segs: Vec<syn::Ident> = c
            .path
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| format_ident!("{}", s, span = span))
            .collect();
        let colon = if leading { quote!(::) } else { quote!() };
        let owner = quote_spanned!(span=> #colon #(#segs)::*);
        let float = syn::Ident::new(g.float.name(), Span::call_site());
        let base = self.names.of(g, n);
        let grads = match &c.kind {
            NestedKind::Grad => &c.outs[1..],
            NestedKind::Hvp { .. } => &c.outs[..],
        };
        let mut entries = Vec::new();
        let mut unpack = Vec::new();
        let mut at = 0;
        for (k, a) in c.args.iter().enumerate() {
            let len = a.elements().len();
            if c.inert[k] || matches!(a, CallArg::Opaque(_) | CallArg::Capture(_)) {
                entries.push(quote!(_));
                continue;
            }
            let entry = format_ident!("{}_entry{}", base, k);
            entries.push(quote!(#entry));
            let ids: Vec<syn::Ident> = grads[at..at + len]
                .iter()
                .map(|&o| self.names.of(g, o))
                .collect();
            at += len;
            let arg_span = c.arg_spans.0.get(k).copied().unwrap_or(span);
            let ids: Vec<TokenStream> = ids.iter().map(|id| quote!(#id)).collect();
            unpack.push(super::call::unpack_entry(
                g, &ids, a, &entry, &float, arg_span,
            ));
        }
        match &c.kind {
            NestedKind::Grad if c.plain_call && c.is_assoc() => {
                let value = self.names.of(g, c.outs[0]);
                let call = self.assoc_pullback_call(c, &args, span);
                quote_spanned! {span=>
                    let (#value, (#(#entries,)*)) = #call;
                    #(#unpack)*
                }
            }
            NestedKind::Grad => {
                let value = self.names.of(g, c.outs[0]);
                let call = self.nested_callee(
                    c,
                    &owner,
                    span,
                    |callee| quote_spanned!(span=> #callee::pullback(#(#args),*)),
                );
                quote_spanned! {span=>
                    let (#value, (#(#entries,)*)) = #call;
                    #(#unpack)*
                }
            }
            NestedKind::Hvp { dirs } => {
                let dirs: Vec<TokenStream> = c
                    .args
                    .iter()
                    .zip(dirs)
                    .zip(&c.inert)
                    .map(|((a, d), &inert)| {
                        let es: Vec<TokenStream> = d.iter().map(|&x| self.expr(x).0).collect();
                        match a {
                            _ if inert => quote!(::macrograd::__private::zero_direction()),
                            CallArg::Opaque(_) | CallArg::Capture(_) => quote!(()),
                            CallArg::Tuple(_) => quote!((#(#es,)*)),
                            CallArg::Array(_) => quote!([#(#es),*]),
                            CallArg::Struct(s) => self.struct_tangent(s, &es, span),
                            _ => quote!(#(#es)*),
                        }
                    })
                    .collect();
                if c.plain_call && c.is_assoc() {
                    let call = self.assoc_hvp_call(c, &args, dirs, span);
                    return quote_spanned! {span=>
                        let (#(#entries,)*) = #call;
                        #(#unpack)*
                    };
                }
                // `h::hvp_pullback` is `h`'s own under `hessian`, else
                // the fallback's, whose error says to add `hessian`
                let fallback = if c.plain_call {
                    quote!(MissingCalleeHessian)
                } else {
                    quote!(MissingHessian)
                };
                let call = self.nested_callee(c, &owner, span, |callee| {
                    quote_spanned!(span=> #callee::hvp_pullback((#(#args,)*), (#(#dirs,)*)))
                });
                quote_spanned! {span=>
                    let (#(#entries,)*) = {
                        #[allow(unused_imports)]
                        use ::macrograd::__private::#fallback as _;
                        #call
                    };
                    #(#unpack)*
                }
            }
        }
    }
}

impl Writer<'_> {
    /// `call(callee)` for the callee of `c`: a plain call's through
    /// [`super::missing::through_fallback`] (the helper may have no
    /// derivative at all), `h_grad`'s as written (`h` exists, or the call
    /// as the user wrote it is rustc's error already).
    fn nested_callee(
        &self,
        c: &Nested,
        owner: &TokenStream,
        span: Span,
        call: impl FnOnce(TokenStream) -> TokenStream,
    ) -> TokenStream {
        if c.plain_call {
            super::missing::through_fallback(self.g, &c.path, c.args.len(), span, call)
        } else {
            call(owner.clone())
        }
    }
}

/// The parts of an `hvp_pullback`: its direction parameter's name, the
/// directions' types (`()` for `#[nograd]`), the names they are taken
/// apart into, the direction `name_hvp` takes, and the entries returned
/// from the product `product`.
pub(super) struct HvpParts {
    pub whole: syn::Ident,
    pub arguments: syn::Ident,
    pub product: syn::Ident,
    pub dir_tys: Vec<TokenStream>,
    pub dir_names: Vec<TokenStream>,
    pub dir: TokenStream,
    pub outs: Vec<TokenStream>,
}

/// [`HvpParts`] of `sig`.
pub(super) fn hvp_parts(sig: &crate::types::Signature) -> HvpParts {
    let mut dir_tys = Vec::new();
    let mut dir_names = Vec::new();
    let mut diff_dirs = Vec::new();
    let mut outs = Vec::new();
    let n_diff = sig.diff_params().count();
    // no parameter of the user's is shadowed by these names
    let taken: Vec<String> = sig.params.iter().map(|p| p.ident.to_string()).collect();
    let mut prefix = "direction".to_string();
    while taken.iter().any(|t| t.starts_with(&prefix)) {
        prefix.push('_');
    }
    let whole = format_ident!("{}", prefix);
    let arguments = format_ident!("{}_arguments", prefix);
    let product = format_ident!("{}_product", prefix);
    for (k, p) in sig.params.iter().enumerate() {
        let d = format_ident!("{}_{}", prefix, k);
        if p.nograd {
            dir_tys.push(quote!(()));
            dir_names.push(quote!(_));
            outs.push(quote!(()));
        } else {
            dir_tys.push(super::entry_type(p, sig.float));
            dir_names.push(quote!(#d));
            let j = syn::Index::from(diff_dirs.len());
            outs.push(if n_diff == 1 {
                quote!(#product)
            } else {
                quote!(#product.#j)
            });
            diff_dirs.push(d);
        }
    }
    let dir = if diff_dirs.len() == 1 {
        quote!(#(#diff_dirs)*)
    } else {
        quote!((#(#diff_dirs),*))
    };
    HvpParts {
        whole,
        arguments,
        product,
        dir_tys,
        dir_names,
        dir,
        outs,
    }
}

/// The items `#[differentiable(hessian)] fn h` adds for callers that
/// differentiate through `h_grad`:
///
/// ```text
/// impl h { fn hvp_pullback((params,), v: (dir, …,)) -> (H·v entry, …,) }  // `()` for #[nograd]
/// ```
///
/// Like `h::pullback`, one entry per parameter whatever is `#[nograd]`.
pub fn hessian_items(item: &syn::ItemFn, sig: &crate::types::Signature) -> TokenStream {
    let name = &item.sig.ident;
    let hvp = format_ident!("{}_hvp", name);
    let tys = sig.params.iter().map(|p| &p.ty);
    let args: Vec<&syn::Ident> = sig.params.iter().map(|p| &p.ident).collect();
    let HvpParts {
        whole,
        arguments,
        product,
        dir_tys,
        dir_names,
        dir,
        outs,
    } = hvp_parts(sig);
    let doc = format!(
        " Hessian-vector product of [`{name}`] for differentiable callers of `{name}_grad`: one entry per parameter (`()` for `#[nograd]` ones). Generated by macrograd."
    );
    quote_spanned! {name.span()=>
        #[allow(dead_code, clippy::too_many_arguments, clippy::type_complexity)]
        impl #name {
            #[doc = #doc]
            #[inline]
            pub fn hvp_pullback(#arguments: (#(#tys,)*), #whole: (#(#dir_tys,)*)) -> (#(#dir_tys,)*) {
                let (#(#args,)*) = #arguments;
                let (#(#dir_names,)*) = #whole;
                let (_, _, #product) = #hvp(#(#args,)* #dir);
                (#(#outs,)*)
            }
        }
    }
}
