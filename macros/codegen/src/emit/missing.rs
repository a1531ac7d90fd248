//! The error for a call of a free function that has no derivative.
//!
//! A differentiable caller reaches a helper `square` through the hidden
//! type `#[differentiable]` writes beside it (`square::pullback`,
//! `square::vjp`, `square::jvp`). A plain function has no such type, and
//! rustc alone would say "cannot find module or crate `square`". So each
//! such call is written in a block that imports the callee under a local
//! name, with a fallback of that name behind it:
//!
//! ```text
//! let (y, (d_x,)) = {
//!     use __macrograd_f_callees::of_square::*;   // glob: a fallback `__callee`
//!     {
//!         use square as __callee;                // explicit: shadows it
//!         __callee::has_derivative();
//!         __callee::pullback(x)
//!     }
//! };
//! ```
//!
//! An explicit import shadows a glob one namespace by namespace. When
//! `square` is differentiable the import brings its hidden type too, and
//! the call is the real pullback. When it is a plain function the import
//! brings only the function (value namespace), and the glob's fallback
//! type stays visible. Every such call first calls `__callee::has_derivative()`:
//! the hidden type of a differentiable function has it as a no-op, the
//! fallback's has a bound on an unimplemented trait whose
//! `#[diagnostic::on_unimplemented]` message is the one error: it names the
//! callee and says what to write. (One check for all of `pullback`, `vjp`,
//! `jvp` and `hvp_pullback`, so that a function reaching a helper through
//! two of them still gets the same diagnostic.)
//!
//! The fallbacks of a free function live in one module beside it
//! (`__macrograd_f_callees`), shared by all its generated functions, so
//! that `f_grad`'s and `f_jvp`'s errors for the same call are the same
//! diagnostic and rustc reports it once. A method's cannot go in its
//! `impl`: each call then carries its own fallback, and the error is the
//! runtime's (`require_derivative`, `checked`), whose diagnostic names
//! only runtime items and so is the same in each of the method's generated
//! functions, which rustc merges; it points at the callee but cannot
//! name it.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::names::{HAS_DERIVATIVE, HVP_PULLBACK, JVP_CALL, PULLBACK, VJP_CALL};
use crate::ir::{Fallbacks, Graph, Op};

/// The name of the module beside `fn f` holding its callees' fallbacks.
pub fn scope_name(f: &str) -> String {
    format!("__macrograd_{}_callees", f.trim_start_matches("r#"))
}

/// The module, inside the scope, of one callee's fallback, named after
/// the path as rustc shows it in the error: its segments joined by `__`
/// (`helpers::square` is `of_helpers__square`, a leading `::` is `of___`). Where
/// a segment holds `__` itself, each is preceded by its length instead
/// (`of_c_4_a__b_1_c`); methods' and associated functions' modules start with `method_` and `assoc_`, so two paths never share a module.
fn callee_module(kind: Kind, path: &[String], span: Span) -> Ident {
    let segs: Vec<&str> = path.iter().map(|s| s.trim_start_matches("r#")).collect();
    let name = if segs.iter().any(|s| s.contains("__")) {
        let mut name = format!("{}_c", kind.prefix());
        for s in segs {
            name.push_str(&format!("_{}_{}", s.len(), s));
        }
        name
    } else {
        format!("{}_{}", kind.prefix(), segs.join("__"))
    };
    Ident::new(&name, span)
}

/// Whether a call of `path` goes through a free function's hidden type
/// (and so gets a fallback): not a method, not an associated function.
fn is_free(path: &[String], method: bool) -> bool {
    !method && !crate::ir::Call::path_is_assoc(path)
}

/// How a callee is reached, for its fallback.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// `f(…)`, `path::f(…)`: through its hidden type.
    Free,
    /// `recv.f(…)`: through its hidden inherent `__f_pullback`.
    Method,
    /// `Type::f(…)`: the same.
    Assoc,
}

impl Kind {
    fn of(path: &[String], method: bool) -> Self {
        match (method, is_free(path, method)) {
            (true, _) => Kind::Method,
            (false, true) => Kind::Free,
            (false, false) => Kind::Assoc,
        }
    }

    /// The prefix of its fallback module's name.
    fn prefix(self) -> &'static str {
        match self {
            Kind::Free => "of",
            Kind::Method => "method",
            Kind::Assoc => "assoc",
        }
    }
}

/// The functions and methods `g` calls, each with its argument count (the
/// receiver not counted) and whether a call takes it for one returning
/// several floats.
fn callees(g: &Graph) -> BTreeMap<(Kind, Vec<String>), (usize, bool)> {
    let mut out = BTreeMap::new();
    for node in &g.nodes {
        if let Op::Call(c) = &node.op {
            let kind = Kind::of(&c.path, c.method);
            let arity = c.args.len() - usize::from(c.method);
            let entry = out.entry((kind, c.path.clone())).or_insert((arity, false));
            entry.1 |= c.is_vector();
        }
    }
    out
}

/// The paths of the functions `g` passes a slice to (their fallbacks have
/// `hvp_into` too).
fn sliced(g: &Graph) -> BTreeSet<&[String]> {
    g.nodes
        .iter()
        .filter_map(|n| match &n.op {
            Op::Call(c) if c.has_slice() => Some(c.path.as_slice()),
            _ => None,
        })
        .collect()
}

/// The module beside a free function `f` holding the fallbacks of every
/// free function its body calls (see the module docs); nothing when it
/// calls none. With `second` (`hessian` or `hvp` on `f`), a method's or
/// associated function's module holds the fallback of its hidden HVP too
/// (and of its `__f_vjp_jvp` for one returning several floats).
pub fn scope_items(scope: &str, g: &Graph, second: bool) -> TokenStream {
    let callees = callees(g);
    let sliced = sliced(g);
    if callees.is_empty() {
        return TokenStream::new();
    }
    let scope = Ident::new(scope, Span::call_site());
    let at = Span::call_site();
    let modules = callees
        .iter()
        .map(|((kind, path), &(arity, vector))| match kind {
            Kind::Free => fallback_module(path, arity, at, true, sliced.contains(path.as_slice())),
            _ => {
                let module = callee_module(*kind, path, at);
                let method = *kind == Kind::Method;
                let traits = method_fallback(path, method, arity, at);
                let hessian = second.then(|| {
                    super::assoc_hessian::missing_hessian(path, method, arity + 1, vector, at)
                });
                quote!(pub mod #module { #traits #hessian })
            }
        });
    quote! {
        #[doc(hidden)]
        #[allow(non_snake_case, non_camel_case_types, dead_code, unused_imports, clippy::too_many_arguments)]
        mod #scope {
            #(#modules)*
        }
    }
}

/// `pub mod c_…` holding the fallback `__callee` of `path`, called with
/// `arity` arguments: `pullback` (scalar helpers), `vjp` and `jvp` (vector
/// helpers), each with the bound whose message is the error. Where the
/// module is not `shared` (a method's call), the error is instead the
/// runtime's `require_derivative`, the same diagnostic in each generated
/// function, which rustc merges; it cannot name the callee, but points at it.
fn fallback_module(
    path: &[String],
    arity: usize,
    span: Span,
    shared: bool,
    slices: bool,
) -> TokenStream {
    let module = callee_module(Kind::Free, path, span);
    let shown = shown(path);
    let name = path.last().map_or("", |s| s.trim_start_matches("r#"));
    let message = format!(
        "`{shown}` has no derivative: a function called in a differentiable body must be `#[differentiable]` too"
    );
    let label = format!("`{name}` is called in a differentiable body");
    let note = format!(
        "write `#[differentiable]` on `fn {name}`; for a function you do not own, declare a wrapper with its derivative near the use with `macrograd::derivative!` and call the wrapper; or compute it outside this function and pass the result in as a `#[nograd]` parameter"
    );
    // unbounded: the error is `has_derivative`'s, called before each of them
    let method = |f: &str, n: usize| {
        let f = Ident::new(f, span);
        let (tys, params) = any_params(n);
        quote! {
            pub fn #f<#(#tys,)* O>(#(#params),*) -> O {
                unreachable!("a fallback's `has_derivative` never compiles")
            }
        }
    };
    let pullback = method(PULLBACK, arity);
    let vjp = method(VJP_CALL, arity + 1);
    let jvp = method(JVP_CALL, 2 * arity);
    // (inherent, so that they are found before the runtime's
    // `MissingCalleeHessian::hvp_pullback`, `MissingCalleeVjpJvp::vjp_jvp`
    // and `MissingCalleeHvpInto::hvp_into`, whose errors would be a second one)
    let forward = {
        let f = Ident::new(super::vsaved::FORWARD_CALL, span);
        let (tys, params) = any_params(arity);
        quote! {
            pub fn #f<#(#tys,)* O, C, R>(#(#params),*) -> (O, fn(C) -> R) {
                unreachable!("a fallback's `has_derivative` never compiles")
            }
        }
    };
    let hvp = method(HVP_PULLBACK, 2);
    let vjp_jvp = method("vjp_jvp", 4);
    // (passed a slice: `hvp_into`, the tangent of `vjp_into`)
    let hvp_into = slices.then(|| method(super::names::HVP_INTO_CALL, 5));
    let check = Ident::new(HAS_DERIVATIVE, span);
    let checked = if shared {
        quote_spanned! {span=>
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            pub trait NoDerivative {}

            pub trait MissingDerivative {
                fn #check()
                where
                    Self: NoDerivative,
                {
                }
            }

            impl MissingDerivative for __callee {}
        }
    } else {
        quote_spanned! {span=>
            impl __callee {
                pub fn #check() -> ::macrograd::__private::NoDerivative {
                    ::macrograd::__private::NoDerivative
                }
            }
        }
    };
    quote_spanned! {span=>
        pub mod #module {
            pub struct __callee {}

            #checked

            impl __callee {
                #pullback
                #vjp
                #jvp
                #forward
                #hvp
                #vjp_jvp
                #hvp_into
            }
        }
    }
}

/// `helpers::square` as written.
fn shown(path: &[String]) -> String {
    let segs: Vec<&str> = path.iter().map(|s| s.trim_start_matches("r#")).collect();
    segs.join("::")
}

/// `call(__callee)` in a block that imports the free function `path` as
/// `__callee`, with the fallback behind it (see the module docs); `path`
/// unchanged when it is not a free function's.
pub fn through_fallback(
    g: &Graph,
    path: &[String],
    arity: usize,
    span: Span,
    call: impl FnOnce(TokenStream) -> TokenStream,
) -> TokenStream {
    through_fallback_passing(g, path, arity, span, false, call)
}

/// [`through_fallback`] for a call that passes a slice on (`slices`),
/// whose fallback, where it is the call's own, has `hvp_into` too.
pub fn through_fallback_passing(
    g: &Graph,
    path: &[String],
    arity: usize,
    span: Span,
    slices: bool,
    call: impl FnOnce(TokenStream) -> TokenStream,
) -> TokenStream {
    let leading = path.first().is_some_and(String::is_empty);
    let segs: Vec<Ident> = path
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| format_ident!("{}", s, span = span))
        .collect();
    let colon = if leading { quote!(::) } else { quote!() };
    if !is_free(path, false) {
        return call(quote_spanned!(span=> #colon #(#segs)::*));
    }
    let module = callee_module(Kind::Free, path, span);
    let callee = Ident::new("__callee", span);
    let check = Ident::new(HAS_DERIVATIVE, span);
    let (local, glob, check) = match &g.fallbacks {
        Fallbacks::Shared(scope) => {
            let scope = Ident::new(scope, span);
            (
                quote!(),
                quote_spanned!(span=> #scope::#module),
                quote_spanned!(span=> #callee::#check();),
            )
        }
        local => {
            let shared = *local == Fallbacks::Local;
            let m = fallback_module(path, arity, span, shared, slices);
            let local = quote_spanned! {span=>
                #[allow(non_snake_case, non_camel_case_types, dead_code, clippy::too_many_arguments)]
                mod __macrograd_callee {
                    #m
                }
            };
            let check = if shared {
                quote_spanned!(span=> #callee::#check();)
            } else {
                quote_spanned!(span=> ::macrograd::__private::require_derivative(#callee::#check());)
            };
            (
                local,
                quote_spanned!(span=> __macrograd_callee::#module),
                check,
            )
        }
    };
    let body = call(quote!(#callee));
    // the import in a block of its own: when the path names nothing at
    // all (a misspelling, rustc's error on the function as written), the
    // failed import's placeholder hides the fallback, and no second error
    quote_spanned! {span=>
        {
            #local
            #[allow(unused_imports)]
            use #glob::*;
            {
                #[allow(unused_imports)]
                use #colon #(#segs)::* as #callee;
                #check
                #body
            }
        }
    }
}

/// The call of a method's or associated function's hidden pullback
/// (`recv.__f_pullback(…)`, `System::__f_pullback(…)`) with a fallback of
/// the same name in scope. `#[differentiable]` on `f` writes the pullback
/// as an inherent item, which Rust prefers to a trait's; without it the
/// call resolves to the fallback, whose bound on an unimplemented trait is
/// the one error, naming `f` and saying what to write (where rustc alone
/// would say the hidden name is not found). The fallback is the shared
/// one beside a free function, else (in a method) a block of its own.
pub fn through_method_fallback(
    g: &Graph,
    path: &[String],
    method: bool,
    arity: usize,
    call: TokenStream,
    span: Span,
) -> TokenStream {
    match &g.fallbacks {
        Fallbacks::Shared(_) | Fallbacks::Local => {
            in_scope(g, path, method, "MissingDerivative", call, span, || {
                method_fallback(path, method, arity, span)
            })
        }
        Fallbacks::Method => {
            // the fallback returns the runtime's `NoDerivative`, which
            // `checked` rejects: the same diagnostic in each of the
            // method's generated functions, merged by rustc
            let pb = format_ident!(
                "{}",
                super::names::assoc_pullback(last_of(path)),
                span = span
            );
            let (generics, params) = any_params(arity);
            let receiver = if method { quote!(&self,) } else { quote!() };
            quote_spanned! {span=>
                {
                    #[allow(dead_code)]
                    trait MissingDerivative {
                        fn #pb<#(#generics,)*>(#receiver #(#params),*) -> ::macrograd::__private::NoDerivative {
                            ::macrograd::__private::NoDerivative
                        }
                    }
                    impl<T: ?Sized> MissingDerivative for T {}
                    // (the argument a name of the call's span: the
                    // receiver's tokens may come from elsewhere)
                    let __pullback = #call;
                    ::macrograd::__private::checked(__pullback)
                }
            }
        }
    }
}

/// The last segment of a call's path.
pub(super) fn last_of(path: &[String]) -> &str {
    path.last().map_or("", String::as_str)
}

/// `call` of a method's or associated function's hidden HVP with its
/// fallback in scope (see `emit::assoc_hessian`), unwrapped by the
/// runtime's `checked_hvp`: the shared fallback beside a free function,
/// else a block of its own. `arity` counts the direction.
pub fn through_assoc_hessian_fallback(
    g: &Graph,
    path: &[String],
    method: bool,
    arity: usize,
    vector: bool,
    call: TokenStream,
    span: Span,
) -> TokenStream {
    match &g.fallbacks {
        Fallbacks::Shared(_) | Fallbacks::Local => {
            let call = quote_spanned!(span=> ::macrograd::__private::checked_hvp(#call));
            in_scope(g, path, method, "MissingHessian", call, span, || {
                super::assoc_hessian::missing_hessian(path, method, arity, vector, span)
            })
        }
        Fallbacks::Method => {
            // as for the pullback: the fallback returns the runtime's
            // `NoHessian`, which `checked_hvp` rejects, the same
            // diagnostic in the method's `_hessian` and `_hvp`, merged
            let local =
                super::assoc_hessian::missing_hessian_in_method(path, method, arity, vector, span);
            quote_spanned! {span=>
                {
                    #local
                    let __hvp = #call;
                    ::macrograd::__private::checked_hvp(__hvp)
                }
            }
        }
    }
}

/// `call` in a block with the fallback trait `name` of a method's or
/// associated function's callee in scope: imported from the shared module
/// beside a free function, else the `local` traits written in the block.
fn in_scope(
    g: &Graph,
    path: &[String],
    method: bool,
    name: &str,
    call: TokenStream,
    span: Span,
    local: impl FnOnce() -> TokenStream,
) -> TokenStream {
    let fallback = match &g.fallbacks {
        Fallbacks::Shared(scope) => {
            let scope = Ident::new(scope, span);
            let module = callee_module(Kind::of(path, method), path, span);
            let name = Ident::new(name, span);
            quote_spanned! {span=>
                #[allow(unused_imports)]
                use #scope::#module::#name as _;
            }
        }
        _ => local(),
    };
    quote_spanned! {span=>
        {
            #fallback
            #call
        }
    }
}

/// The traits of a method's fallback (see [`through_method_fallback`]).
fn method_fallback(path: &[String], method: bool, arity: usize, span: Span) -> TokenStream {
    let shown = shown(path);
    let last = last_of(path);
    let name = last.trim_start_matches("r#");
    let pb = format_ident!("{}", super::names::assoc_pullback(last), span = span);
    let message = format!(
        "`{shown}` has no derivative: a {} called in a differentiable body must be `#[differentiable]` too",
        if method { "method" } else { "function" }
    );
    let label = format!("`{name}` is called in a differentiable body");
    let note = format!(
        "write `#[differentiable]` on `fn {name}` in its `impl` block, or compute it outside this function and pass the result in as a `#[nograd]` parameter"
    );
    let (generics, params) = any_params(arity);
    let receiver = if method { quote!(&self,) } else { quote!() };
    quote_spanned! {span=>
        #[allow(dead_code)]
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        pub trait NoDerivative {
            fn never<O>() -> O;
        }
        #[allow(dead_code)]
        pub trait MissingDerivative {
            fn #pb<#(#generics,)* O>(#receiver #(#params),*) -> O
            where
                Self: NoDerivative,
            {
                <Self as NoDerivative>::never()
            }
        }
        impl<T: ?Sized> MissingDerivative for T {}
    }
}

/// `n` type parameters `A0, A1, …` and the parameters `_a0: A0, _a1: A1, …`
/// of a fallback that takes whatever a call passes it.
pub(super) fn any_params(n: usize) -> (Vec<Ident>, Vec<TokenStream>) {
    let tys: Vec<Ident> = (0..n).map(|k| format_ident!("A{}", k)).collect();
    let params = tys
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let p = format_ident!("_a{}", k);
            quote!(#p: #t)
        })
        .collect();
    (tys, params)
}
