//! The code generator behind macrograd's macros.
//!
//! An ordinary library on `proc_macro2`, so that every stage can be tested
//! outside a macro invocation. The pipeline runs in one direction, one stage
//! per module:
//!
//! ```text
//! parse     syn item/closure -> checked signature     (parse/)
//! lower     body -> SSA graph                          (ir/lower/)
//! diff      graph -> graph with derivatives             (diff/, rules.rs)
//! simplify  folding, identities, CSE, DCE               (simplify/)
//! emit      graph -> Rust tokens                        (emit/)
//! formula   graph -> math text for rustdoc              (formula.rs)
//! ```
#![forbid(unsafe_code)]

// This crate is an implementation crate of macrograd-macros, not an API. Its
// unit tests live in `tests/internals/` (see `[lib] test = false` in
// Cargo.toml); the few modules and functions they reach that would otherwise
// be private are `#[doc(hidden)] pub` for them alone.
pub mod ctxt;
pub mod derivative;
pub mod derive_differentiable;
pub mod derive_params;
pub mod diff;
pub mod emit;
pub mod formula;
pub mod generic;
pub mod higher;
pub mod inline;
pub mod ir;
pub mod model;
pub mod parse;
pub mod rules;
pub mod simplify;
pub mod types;

use proc_macro2::TokenStream;

pub use inline::expand_grad;

use ctxt::Ctxt;
use ir::Graph;
use types::Signature;

/// Everything the pipeline produces for one function: the graph after each
/// stage, for tests and benches.
pub struct Stages {
    /// After lowering.
    pub lowered: Graph,
    /// After differentiation and simplification.
    pub gradient: Graph,
}

/// Runs lower -> diff -> simplify on a function body.
pub fn differentiate_fn(sig: &Signature, body: &syn::Block) -> syn::Result<Stages> {
    let cx = Ctxt::new();
    let lowered = ir::lower::lower_fn(sig, body, &cx);
    cx.check()?;
    stages(lowered.expect("no errors means a graph"))
}

/// Runs lower -> diff -> simplify on a closure body.
pub fn differentiate_expr(sig: &Signature, body: &syn::Expr) -> syn::Result<Stages> {
    let cx = Ctxt::new();
    let lowered = ir::lower::lower_expr(sig, body, &cx);
    cx.check()?;
    stages(lowered.expect("no errors means a graph"))
}

/// Runs the whole pipeline on a function item (as `#[differentiable]` would) and
/// returns the graphs: the entry point for tests, property tests and benches.
///
/// ```
/// let st = macrograd_codegen::pipeline(quote::quote! {
///     fn f(x: f64, y: f64) -> f64 { x * y + x.sin() }
/// }).unwrap();
/// let out = macrograd_codegen::ir::eval::eval_outputs(&st.gradient, &[vec![2.0], vec![3.0]]).unwrap();
/// assert_eq!(out[1], 3.0 + 2.0_f64.cos()); // ∂f/∂x
/// ```
pub fn pipeline(item: TokenStream) -> syn::Result<Stages> {
    pipeline_with(TokenStream::new(), item)
}

/// [`pipeline`] with the attribute's arguments, as in
/// `#[differentiable(attr)] item`.
pub fn pipeline_with(attr: TokenStream, item: TokenStream) -> syn::Result<Stages> {
    let cx = Ctxt::new();
    let f = parse::parse_fn(attr, item, &cx);
    cx.check()?;
    let f = f.expect("no errors means a function");
    let sig = f.sig.as_ref().expect("no errors means a signature");
    differentiate_fn(sig, &f.body)
}

fn stages(lowered: Graph) -> syn::Result<Stages> {
    stages_in(lowered, None)
}

/// [`stages`] with the mode `#[differentiable(mode = …)]` asks for.
fn stages_in(lowered: Graph, mode: Option<types::Mode>) -> syn::Result<Stages> {
    let mut gradient = lowered.clone();
    diff::differentiate_in(&mut gradient, mode);
    let mut errors = gradient
        .unsupported
        .iter()
        .map(|(span, msg)| syn::Error::new(*span, msg));
    if let Some(mut first) = errors.next() {
        errors.for_each(|e| first.combine(e));
        return Err(first);
    }
    simplify::simplify(&mut gradient);
    Ok(Stages { lowered, gradient })
}

/// Expands `#[differentiable(attr)] item`.
pub fn expand_differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    match generic::classify(&item) {
        generic::Generic::No => expand_concrete(attr, item),
        generic::Generic::Error(e, instance) => {
            let e = e.into_compile_error();
            let rest = match instance.map(|i| expand_concrete(attr, i)) {
                Some(rest) if !generic::has_errors(&rest) => rest,
                _ => generic::strip_nograd(item),
            };
            quote::quote!(#e #rest)
        }
        generic::Generic::Float(header, instance) => {
            let name = generic::fn_name(&item).unwrap_or_default();
            // a generic function's statics cannot name `T`: no log slots
            let expanded = emit::pool::without_pools(|| expand_concrete(attr, instance));
            if generic::has_errors(&expanded) {
                return expanded;
            }
            generic::generalize(&header, &name, item, expanded)
        }
    }
}

/// [`expand_differentiable`] for a function of `f32` or `f64`.
pub(crate) fn expand_concrete(attr: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let Some(f) = parse::parse_fn(attr, item.clone(), &cx) else {
        let errors = cx.check().err().map(syn::Error::into_compile_error);
        return quote::quote!(#errors #item);
    };
    if let Some(sig) = &f.sig {
        if sig.diff_params().next().is_none() {
            cx.error_spanned_by(
                &f.item.sig.ident,
                "nothing to differentiate: every parameter is `#[nograd]`; remove `#[nograd]` from the parameters you want a gradient for",
            );
        }
    }
    if let Some(custom) = &f.args.custom {
        if let (Some(sig), false) = (&f.sig, cx.has_errors()) {
            return emit::custom_fn(&f.item, sig, custom);
        }
    }
    let graph = match (&f.sig, cx.has_errors()) {
        (Some(sig), false) => ir::lower::lower_fn(sig, &f.body, &cx),
        _ => None,
    };
    match (cx.check(), graph) {
        (Ok(()), Some(mut lowered)) => {
            let sig = f.sig.as_ref().expect("a graph implies a signature");
            // the fallbacks of the free functions it calls, shared by every
            // generated function (a method's cannot leave its `impl`)
            let callees = if sig.assoc {
                lowered.fallbacks = ir::Fallbacks::Method;
                proc_macro2::TokenStream::new()
            } else {
                let scope = emit::missing::scope_name(&f.item.sig.ident.to_string());
                let second = f.args.hessian.is_some() || f.args.hvp.is_some();
                let items = emit::missing::scope_items(&scope, &lowered, second);
                lowered.fallbacks = ir::Fallbacks::Shared(scope);
                // a caller passing a differentiable slice to a `#[nograd]`
                // one reaches the hidden `vjp_into`, whose bound says so
                let stub = emit::nograd_slice_vjp_into(&f.item, sig);
                quote::quote! { #items #stub }
            };
            let derived = match higher::items(&f, sig, &lowered) {
                Ok(items) => items,
                Err(e) => return emit::fallback_fn(&f.item, Some(sig), e.into_compile_error()),
            };
            if sig.out_struct.is_some() {
                let item = &f.item;
                // (a method's items stay in its `impl`, where the hidden
                // type cannot go: hidden methods of the same `impl` instead)
                let hidden = if sig.assoc {
                    emit::vector_method_items(item, sig)
                } else {
                    emit::vector_items(item, sig)
                };
                return quote::quote! { #item #derived #hidden #callees };
            }
            if sig.out_len.is_some() {
                let item = &f.item;
                // a method's items stay in its `impl`, where the hidden
                // type carrying the callers' VJP cannot go
                let hidden = if sig.assoc {
                    emit::vector_method_items(item, sig)
                } else if sig.diff_params().any(|p| p.slice.is_some()) {
                    // a function over a differentiable slice gets the
                    // hidden items its callers use (`vjp_into`, `jvp`)
                    // from `higher.rs` instead
                    proc_macro2::TokenStream::new()
                } else {
                    emit::vector_items(item, sig)
                };
                return quote::quote! { #item #derived #hidden #callees };
            }
            let mode = f.args.mode.as_ref().map(|m| m.0);
            let st = match stages_in(lowered, mode) {
                Ok(st) => st,
                Err(e) => return emit::fallback_fn(&f.item, Some(sig), e.into_compile_error()),
            };
            let name = f.item.sig.ident.to_string();
            let forward = diff::choose_mode(&st.lowered, mode) == types::Mode::Forward;
            let formulas = formula::formulas(&st.gradient, &name);
            let mut doc = emit::grad_doc(&name, sig, forward, &formulas);
            doc.push_str("\n\n ");
            doc.push_str(&diff::mode_reason(&st.lowered, mode));
            if sig.assoc {
                doc = doc.replacen(&format!("[`{name}`]"), &format!("[`Self::{name}`]"), 1);
            }
            if let Some(memory) = emit::memory_doc(&st.gradient) {
                doc.push_str("\n\n");
                doc.push_str(&memory);
            }
            let passes_slices = st
                .lowered
                .nodes
                .iter()
                .any(|n| matches!(&n.op, ir::Op::Call(c) if c.has_slice()));
            if passes_slices {
                doc.push_str(
                    "\n\n A differentiable slice passed to another function: the reverse sweep calls that \
                     function's hidden `vjp_into` (its reverse sweep, about one more evaluation of it), which \
                     adds into this function's gradient buffer, so the slice's adjoint takes no memory of its \
                     own; a `#[nograd]` slice passed beside it to a differentiable slice parameter of the callee \
                     gets a scratch buffer of its length for each such call.",
                );
            }
            if emit::has_slice_grads(sig) {
                let grad = emit::grad_fn_slices(&f.item, sig, &st.gradient, &doc);
                return quote::quote! { #grad #derived #callees };
            }
            let grad = emit::grad_fn(&f.item, sig, emit::grad_body(&st.gradient), &doc);
            quote::quote! { #grad #derived #callees }
        }
        (Err(e), _) => emit::fallback_fn(&f.item, f.sig.as_ref(), e.into_compile_error()),
        (Ok(()), None) => unreachable!("lowering returns None only after recording an error"),
    }
}

/// Expands `grad!(closure)`: a closure returning `(value, gradient)`.
pub fn expand_closure(input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let Some(c) = parse::parse_closure(input, &cx) else {
        let errors = cx.check().err().map(syn::Error::into_compile_error);
        return emit::fallback_closure(None, None, quote::quote!(#errors));
    };
    match &c.sig {
        Some(sig) if sig.diff_params().next().is_none() => cx.error_spanned_by(
            &c.closure.inputs,
            "nothing to differentiate: give the closure a parameter without `#[nograd]`",
        ),
        None if !cx.has_errors() => cx.error_spanned_by(
            &c.closure,
            "`grad!` needs at least one parameter of type `f32` or `f64`: `grad!(|x: f64| x * x)`",
        ),
        _ => {}
    }
    let graph = match (&c.sig, cx.has_errors()) {
        (Some(sig), false) => ir::lower::lower_expr(sig, &c.closure.body, &cx),
        _ => None,
    };
    match (cx.check(), graph) {
        (Ok(()), Some(lowered)) => {
            let sig = c.sig.as_ref().expect("a graph implies a signature");
            let st = match stages(lowered) {
                Ok(st) => st,
                Err(e) => return emit::fallback_closure(Some(sig), None, e.into_compile_error()),
            };
            emit::closure(sig, emit::grad_body(&st.gradient))
        }
        (Err(e), _) => {
            // a signature that lost a parameter to an error would mislead
            let n = c.closure.inputs.len();
            let sig = c.sig.as_ref().filter(|s| s.params.len() == n);
            emit::fallback_closure(sig, Some(n), e.into_compile_error())
        }
        (Ok(()), None) => unreachable!("lowering returns None only after recording an error"),
    }
}
