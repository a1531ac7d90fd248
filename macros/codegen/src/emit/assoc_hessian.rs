//! Second derivatives through calls of methods and associated functions
//! returning one float (`State { x }.energy(k)`, `State::energy(s, k)`
//! with floats, arrays, tuples and struct literals built from floats as
//! arguments) in a function with `hessian` or `hvp`:
//!
//! ```text
//! let (v, (e_self, e_k,)) = recv.__energy_pullback(k);                  // the call
//! let (e_self, e_k,) = checked_hvp(recv.__energy_hvp_pullback(k, (d_self, d_k,)));   // its HVP
//! ```
//!
//! `#[differentiable(hessian)]` (or `hvp`) on the method writes
//! `__energy_hvp_pullback` as an inherent item of its `impl`, which Rust
//! prefers to a trait's; without it the call resolves to a fallback trait
//! written beside the call: in a free function a shared one whose bound on
//! an unimplemented trait is the one error, naming the callee and saying
//! to add `hessian`; in a method one returning the runtime's `NoHessian`,
//! which `checked_hvp` rejects (the same diagnostic in the method's
//! `_hessian` and `_hvp`, shown once).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::body::Writer;
use super::nested::{hvp_parts, HvpParts};
use crate::ir::Nested;
use crate::types::Signature;

/// `__f_hvp_pullback`: the hidden name of a method's HVP for its callers.
fn assoc_hvp_pullback(f: &str) -> String {
    format!("__{}_hvp_pullback", f.trim_start_matches("r#"))
}

impl Writer<'_> {
    /// `recv.name(rest)` for a method call, `Path::name(args)` for an
    /// associated function's, with `extra` appended to the arguments.
    fn assoc_call(
        &self,
        c: &Nested,
        args: &[TokenStream],
        name: &syn::Ident,
        extra: Option<TokenStream>,
        span: Span,
    ) -> TokenStream {
        let mut args = args.to_vec();
        args.extend(extra);
        if c.method {
            let (recv, rest) = args.split_first().expect("a method call has a receiver");
            if super::call::plain_receiver(&c.args[0]) {
                return quote_spanned!(span=> #recv.#name(#(#rest),*));
            }
            // a receiver the macro wrote (a literal): bound to a name
            // spanned on it as the user wrote it, where rustc's error about
            // the receiver's type lands
            let at = c.arg_spans.0.first().copied().unwrap_or(span);
            let id = syn::Ident::new("__macrograd_receiver", at);
            return quote_spanned!(span=> { let #id = #recv; #id.#name(#(#rest),*) });
        }
        let leading = c.path.first().is_some_and(String::is_empty);
        let colon = if leading { quote!(::) } else { quote!() };
        let segs: Vec<syn::Ident> = c
            .path
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| format_ident!("{}", s, span = span))
            .collect();
        let (_, init) = segs.split_last().expect("a call has a path");
        quote_spanned!(span=> #colon #(#init ::)* #name(#(#args),*))
    }

    /// The call of the callee's hidden pullback, with the fallback whose
    /// error says it has no derivative.
    pub(super) fn assoc_pullback_call(
        &self,
        c: &Nested,
        args: &[TokenStream],
        span: Span,
    ) -> TokenStream {
        let last = super::missing::last_of(&c.path);
        let pb = format_ident!("{}", super::names::assoc_pullback(last), span = span);
        let call = self.assoc_call(c, args, &pb, None, span);
        let arity = args.len() - usize::from(c.method);
        super::missing::through_method_fallback(self.g, &c.path, c.method, arity, call, span)
    }

    /// The call of the callee's hidden HVP along `dirs` (one per
    /// argument), with the fallback whose error says to add `hessian`.
    pub(super) fn assoc_hvp_call(
        &self,
        c: &Nested,
        args: &[TokenStream],
        dirs: Vec<TokenStream>,
        span: Span,
    ) -> TokenStream {
        let last = super::missing::last_of(&c.path);
        let hvp = format_ident!("{}", assoc_hvp_pullback(last), span = span);
        let call = self.assoc_call(c, args, &hvp, Some(quote!((#(#dirs,)*))), span);
        let arity = args.len() - usize::from(c.method) + 1;
        super::missing::through_assoc_hessian_fallback(
            self.g, &c.path, c.method, arity, false, call, span,
        )
    }
}

/// `__f_vjp_jvp`: the hidden name of the tangent of a method's VJP for its
/// callers.
pub(super) fn assoc_vjp_jvp(f: &str) -> String {
    super::names::assoc_sweep(f, super::names::VJP_JVP_CALL)
}

/// The fallback of `__f_hvp_pullback` (see the module docs), and of
/// `__f_vjp_jvp` for a `vector` callee (`arity` counts `__f_hvp_pullback`'s direction; the
/// cotangent, tangents and cotangent's tangent are two more).
pub(super) fn missing_hessian(
    path: &[String],
    method: bool,
    arity: usize,
    vector: bool,
    span: Span,
) -> TokenStream {
    let segs: Vec<&str> = path.iter().map(|s| s.trim_start_matches("r#")).collect();
    let shown = segs.join("::");
    let last = super::missing::last_of(path);
    let name = last.trim_start_matches("r#");
    let hvp = format_ident!("{}", assoc_hvp_pullback(last), span = span);
    let message =
        format!("`{shown}` is called in a function with `hessian`, but `{shown}` has no Hessian");
    let label = format!("the second derivative of this call is `{name}`'s Hessian-vector product");
    let note = format!(
        "write `#[differentiable(hessian)]` on `fn {name}` in its `impl` block, or remove `hessian` from the caller"
    );
    let (generics, params) = super::missing::any_params(arity);
    let receiver = if method { quote!(&self,) } else { quote!() };
    // a callee returning several floats: its `__f_vjp_jvp` too
    let vjp_jvp = vector.then(|| {
        let f = format_ident!("{}", assoc_vjp_jvp(last), span = span);
        let (generics, params) = super::missing::any_params(arity + 2);
        quote_spanned! {span=>
            fn #f<#(#generics,)* O>(#receiver #(#params),*) -> ::macrograd::__private::Hvp<O>
            where
                Self: NoHessian,
            {
                <Self as NoHessian>::never()
            }
        }
    });
    quote_spanned! {span=>
        #[allow(dead_code)]
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        pub trait NoHessian {
            fn never<O>() -> O;
        }
        #[allow(dead_code)]
        pub trait MissingHessian {
            fn #hvp<#(#generics,)* O>(#receiver #(#params),*) -> ::macrograd::__private::Hvp<O>
            where
                Self: NoHessian,
            {
                <Self as NoHessian>::never()
            }
            #vjp_jvp
        }
        impl<T: ?Sized> MissingHessian for T {}
    }
}

/// The fallback of `__f_hvp_pullback` in a method, where it cannot be
/// shared: it returns the runtime's `NoHessian`, which `checked_hvp`
/// rejects, so that the error is the same diagnostic in each of the
/// method's generated functions (rustc shows it once); it points at the
/// callee but cannot name it.
pub(super) fn missing_hessian_in_method(
    path: &[String],
    method: bool,
    arity: usize,
    vector: bool,
    span: Span,
) -> TokenStream {
    let last = super::missing::last_of(path);
    let hvp = format_ident!("{}", assoc_hvp_pullback(last), span = span);
    let (generics, params) = super::missing::any_params(arity);
    let receiver = if method { quote!(&self,) } else { quote!() };
    let vjp_jvp = vector.then(|| {
        let f = format_ident!("{}", assoc_vjp_jvp(last), span = span);
        let (generics, params) = super::missing::any_params(arity + 2);
        quote_spanned! {span=>
            fn #f<#(#generics,)*>(#receiver #(#params),*) -> ::macrograd::__private::NoHessian {
                ::macrograd::__private::NoHessian
            }
        }
    });
    quote_spanned! {span=>
        #[allow(dead_code)]
        trait MissingHessian {
            fn #hvp<#(#generics,)*>(#receiver #(#params),*) -> ::macrograd::__private::NoHessian {
                ::macrograd::__private::NoHessian
            }
            #vjp_jvp
        }
        impl<T: ?Sized> MissingHessian for T {}
    }
}

/// The item `#[differentiable(hessian)]` (or `hvp`) on a method or an
/// associated function `f` returning one float adds to its `impl` for
/// differentiable callers:
///
/// ```text
/// fn __f_hvp_pullback(params, direction: (dir, …,)) -> Hvp<(H·v entry, …,)>  // `()` for #[nograd]
/// ```
///
/// (`Hvp` the runtime's wrapper, which callers unwrap with `checked_hvp`,
/// so that a fallback's `NoHessian` is an error.)
///
/// Like `__f_pullback`, one entry per parameter (the receiver first),
/// each of the parameter's own type.
pub fn assoc_hessian_items(item: &syn::ItemFn, sig: &Signature) -> TokenStream {
    let vis = &item.vis;
    let name = &item.sig.ident;
    let hvp = format_ident!("{}_hvp", name);
    let pb = format_ident!("{}", assoc_hvp_pullback(&name.to_string()));
    let ins = super::inputs(sig);
    let ins = if sig.params.is_empty() {
        ins
    } else {
        quote!(#ins,)
    };
    let args: Vec<&syn::Ident> = sig.params.iter().map(|p| &p.ident).collect();
    let bound = super::self_bound(sig);
    let HvpParts {
        whole,
        product,
        dir_tys,
        dir_names,
        dir,
        outs,
        ..
    } = hvp_parts(sig);
    let doc = format!(
        " Hessian-vector product of [`Self::{name}`] for differentiable callers: one entry per parameter (`()` for `#[nograd]` ones). Generated by macrograd."
    );
    quote! {
        #[doc = #doc]
        #[doc(hidden)]
        #[inline]
        #[allow(dead_code, clippy::too_many_arguments, clippy::type_complexity)]
        #vis fn #pb(#ins #whole: (#(#dir_tys,)*)) -> ::macrograd::__private::Hvp<(#(#dir_tys,)*)> #bound {
            let (#(#dir_names,)*) = #whole;
            let (_, _, #product) = Self::#hvp(#(#args,)* #dir);
            ::macrograd::__private::Hvp((#(#outs,)*))
        }
    }
}
