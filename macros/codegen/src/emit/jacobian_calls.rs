//! `name_jacobian` of a function whose Jacobian the macro cannot write
//! element by element: one that passes a struct parameter (or `self`) on
//! whole to another function, or builds its struct result with `..base`
//! from a parameter. The fields such a struct has beyond those the body
//! reads are invisible to the macro, so the Jacobian is assembled at run
//! time from the function's own `name_jvp` (one call per column) or
//! `name_vjp` (one call per row), whichever makes fewer calls, each
//! seeded with a unit direction that the runtime builds through
//! `Differentiable` (`__private::unit_at`):
//!
//! ```text
//! fn f_jacobian(params) -> (V, [[F; N]; M]) {
//!     let mut jacobian = [[0.0; N]; M];
//!     if N <= M { for j in 0..N { let (v, t) = f_jvp(params, unit j); column j = t } }
//!     else      { for i in 0..M { let (v, g) = f_vjp(params, unit i); row i = g } }
//! }
//! ```
//!
//! `N` and `M` are constant expressions (`<State as
//! Differentiable>::FLOATS + 1`): the columns of a struct parameter are
//! all its floats in declaration order (`Differentiable::for_each_float`),
//! the rows of a struct result likewise. Nothing is allocated; the branch
//! not taken folds away.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use super::{entry_type, inputs};
use crate::diff::higher::fresh_name;
use crate::ir::{Graph, Op};
use crate::types::{FnParam, Signature};

/// How a part (a differentiable parameter or the result) is flattened: a
/// value of a `Differentiable` type (a float or an array, whose number of
/// floats the macro knows, or a struct), or a tuple of `n` floats, taken
/// part by part.
enum Part {
    Flat(TokenStream, Option<usize>),
    Tuple(usize),
}

impl Part {
    fn of_param(p: &FnParam, sig: &Signature) -> Part {
        match p.len {
            Some(n) if p.tuple => Part::Tuple(n),
            _ if p.strukt => Part::Flat(entry_type(p, sig.float), None),
            n => Part::Flat(entry_type(p, sig.float), Some(n.unwrap_or(1))),
        }
    }

    fn of_result(sig: &Signature) -> Part {
        let float = Ident::new(sig.float.name(), Span::call_site());
        match (&sig.out_struct, sig.out_len) {
            (Some(ty), _) => Part::Flat(quote!(#ty), None),
            (None, Some(m)) if sig.out_tuple => Part::Tuple(m),
            (None, m) => {
                let m = m.unwrap_or(1);
                let lit = Literal::usize_unsuffixed(m);
                Part::Flat(quote!([#float; #lit]), Some(m))
            }
        }
    }

    /// Its number of floats, as a constant expression: a literal for
    /// floats, arrays and tuples, `<T as Differentiable>::FLOATS` for a
    /// struct.
    fn size(&self) -> TokenStream {
        match self {
            Part::Tuple(n) | Part::Flat(_, Some(n)) => {
                let n = Literal::usize_unsuffixed(*n);
                quote!(#n)
            }
            Part::Flat(ty, None) => quote!(<#ty as ::macrograd::Differentiable>::FLOATS),
        }
    }

    /// The unit direction of column (or row) `j` for this part, which
    /// starts at `offset`: zero unless `j` falls in it.
    fn unit(&self, float: &Ident, j: &Ident, offset: &TokenStream) -> TokenStream {
        match self {
            Part::Flat(ty, _) => quote!(::macrograd::__private::unit_at::<#ty>(#j, #offset)),
            Part::Tuple(n) => {
                let parts = (0..*n).map(|k| {
                    let k = Literal::usize_unsuffixed(k);
                    quote!(::macrograd::__private::unit_at::<#float>(#j, #offset + #k))
                });
                quote!((#(#parts,)*))
            }
        }
    }

    /// Statements writing the floats of `value` (this part's) into `row`
    /// from `offset`, or into column `j` of `jacobian` from `offset`.
    fn write(&self, value: &TokenStream, target: &Target<'_>, offset: &TokenStream) -> TokenStream {
        let one = |v: TokenStream, at: TokenStream| match target {
            Target::Row(row) => quote!(::macrograd::__private::write_row(&#v, &mut #row[..], #at);),
            Target::Column(jac, j) => {
                quote!(::macrograd::__private::write_column(&#v, &mut #jac[..], #at, #j);)
            }
        };
        match self {
            Part::Flat(..) => one(value.clone(), offset.clone()),
            Part::Tuple(n) => (0..*n)
                .map(|k| {
                    let i = syn::Index::from(k);
                    let k = Literal::usize_unsuffixed(k);
                    one(quote!(#value.#i), quote!(#offset + #k))
                })
                .collect(),
        }
    }
}

/// Where [`Part::write`] writes: a row (reverse sweeps) or a column of
/// the Jacobian (forward sweeps).
enum Target<'a> {
    Row(&'a Ident),
    Column(&'a Ident, &'a Ident),
}

/// The sum of `sizes`, `0` for none.
fn sum(sizes: &[TokenStream]) -> TokenStream {
    if sizes.is_empty() {
        quote!(0)
    } else {
        quote!(#(#sizes)+*)
    }
}

/// `name_jacobian` from `name_jvp`/`name_vjp` calls (see the module docs).
/// `g` is the function's lowered body: a run-time loop makes it take
/// forward sweeps, as `diff::higher::jacobian_sweeps` does.
pub fn jacobian_by_calls(item: &syn::ItemFn, sig: &Signature, g: &Graph) -> TokenStream {
    let vis = &item.vis;
    let name = &item.sig.ident;
    let jac_name = format_ident!("{}_jacobian", name);
    let (jvp, vjp) = (format_ident!("{}_jvp", name), format_ident!("{}_vjp", name));
    let float = Ident::new(sig.float.name(), Span::call_site());
    let vty = super::higher::value_type(sig);
    let ins = inputs(sig);
    let taken: Vec<String> = sig.params.iter().map(|p| p.ident.to_string()).collect();
    let fresh = |base: &str| Ident::new(&fresh_name(&taken, &[], base), Span::call_site());
    let [jac, value, j, i, v, t, gr] = [
        "jacobian", "value", "column", "row", "value_k", "tangent", "gradient",
    ]
    .map(fresh);
    // the columns: each differentiable parameter's floats, in order
    let diff: Vec<&FnParam> = sig.diff_params().collect();
    let parts: Vec<Part> = diff.iter().map(|p| Part::of_param(p, sig)).collect();
    let sizes: Vec<TokenStream> = parts.iter().map(Part::size).collect();
    let offsets: Vec<TokenStream> = (0..sizes.len()).map(|k| sum(&sizes[..k])).collect();
    let n = sum(&sizes);
    let out = Part::of_result(sig);
    let m = out.size();
    // each call takes its own copy of the arguments (a reference's copy is
    // the reference)
    let args: Vec<TokenStream> = sig
        .params
        .iter()
        .map(|p| {
            let x = &p.ident;
            quote!(::core::clone::Clone::clone(&#x))
        })
        .collect();
    let call = |f: &Ident, extra: TokenStream| {
        if sig.assoc {
            quote!(Self::#f(#(#args,)* #extra))
        } else {
            quote!(#f(#(#args,)* #extra))
        }
    };
    // forward: column j's tangent, one unit part per parameter
    let units: Vec<TokenStream> = parts
        .iter()
        .zip(&offsets)
        .map(|(part, o)| part.unit(&float, &j, o))
        .collect();
    let tangent = if units.len() == 1 {
        units[0].clone()
    } else {
        quote!((#(#units),*))
    };
    let jvp_call = call(&jvp, tangent);
    let zero = quote!(0);
    let column = out.write(&quote!(#t), &Target::Column(&jac, &j), &zero);
    // reverse: row i's gradient entries, written part by part
    let cot = out.unit(&float, &i, &zero);
    let vjp_call = call(&vjp, cot);
    let row_ident = format_ident!("{}_floats", i);
    let rows: Vec<TokenStream> = parts
        .iter()
        .zip(&offsets)
        .enumerate()
        .map(|(k, (part, o))| {
            let entry = if parts.len() == 1 {
                quote!(#gr)
            } else {
                let k = syn::Index::from(k);
                quote!(#gr.#k)
            };
            part.write(&entry, &Target::Row(&row_ident), o)
        })
        .collect();
    let primal = call(name, TokenStream::new());
    let has_loop = g.nodes.iter().any(|n| matches!(n.op, Op::Loop(_)));
    let forward = if has_loop {
        quote!(true)
    } else {
        quote!(#n <= #m)
    };
    let bound = super::structs::self_bound(sig);
    let doc = jacobian_doc(name, sig, has_loop);
    let used = sig.assoc.then(|| quote!(let _ = Self::#name;));
    quote! {
        #[doc = #doc]
        #[allow(clippy::all, unused_parens, unused_variables, unused_mut, dead_code)]
        #vis fn #jac_name(#ins) -> (#vty, [[#float; #n]; #m]) #bound {
            #used
            let mut #jac = [[0.0; #n]; #m];
            let mut #value = ::core::option::Option::None;
            if #forward {
                for #j in 0..#n {
                    let (#v, #t) = #jvp_call;
                    #column
                    #value = ::core::option::Option::Some(#v);
                }
            } else {
                for #i in 0..#m {
                    let (#v, #gr) = #vjp_call;
                    let #row_ident = &mut #jac[#i];
                    #(#rows)*
                    #value = ::core::option::Option::Some(#v);
                }
            }
            let #value = match #value {
                ::core::option::Option::Some(#v) => #v,
                ::core::option::Option::None => #primal,
            };
            (#value, #jac)
        }
    }
}

/// The rustdoc of [`jacobian_by_calls`]'s function: rows, columns, sweeps.
fn jacobian_doc(name: &Ident, sig: &Signature, has_loop: bool) -> String {
    let params: Vec<String> = sig.params.iter().map(|p| p.ident.to_string()).collect();
    let call = format!("{name}({})", params.join(", "));
    let rows = match &sig.out_struct {
        Some(ty) => format!(
            "one row per float of the result `{}` in the order of its declaration",
            quote!(#ty)
        ),
        None => "one row per output".to_string(),
    };
    let sweeps = if has_loop {
        format!("one call of `{name}_jvp` per column (a run-time loop is carried forward)")
    } else {
        format!(
            "one call of `{name}_jvp` per column or of `{name}_vjp` per row, whichever makes fewer calls"
        )
    };
    format!(
        " Value and Jacobian of [`{name}`]: returns `({call}, J)` with `J[i][j] = ∂{name}ᵢ/∂xⱼ`, {rows}, \
         and one column per differentiable element x = ({}).\n\n A struct parameter's columns are all its \
         floats in the order of its declaration (an array field's elements in turn, a nested struct's floats \
         in its own order: the order `Differentiable::for_each_float` visits), because the body passes a \
         struct on whole or copies fields with `..base`. Built from {sweeps}, each seeded with a unit \
         direction; nothing is allocated.\n\n Generated by macrograd's `#[differentiable]` at compile time.",
        columns_doc(sig)
    )
}

/// `name_hessian` of a function passing a struct parameter (or `self`)
/// on whole, from `name_hvp` calls: column `j` is `H·eⱼ`, the unit
/// direction built as `name_jacobian`'s columns are (see the module
/// docs), its floats written down the column part by part. The value and
/// gradient are those of the last call (of a call along zero when there is
/// no column):
///
/// ```text
/// fn f_hessian(params) -> (F, gradient, [[F; N]; N]) {
///     let mut hessian = hessian_matrix();          // N × N checked at compile time
///     for j in 0..N { let (v, g, hv) = f_hvp(params, unit j); column j = hv }
/// }
/// ```
pub fn hessian_by_calls(item: &syn::ItemFn, sig: &Signature) -> TokenStream {
    let vis = &item.vis;
    let name = &item.sig.ident;
    let hess_name = format_ident!("{}_hessian", name);
    let hvp = format_ident!("{}_hvp", name);
    let float = Ident::new(sig.float.name(), Span::call_site());
    let gty = super::grad_type(sig);
    let ins = inputs(sig);
    let taken: Vec<String> = sig.params.iter().map(|p| p.ident.to_string()).collect();
    let fresh = |base: &str| Ident::new(&fresh_name(&taken, &[], base), Span::call_site());
    let [hess, value, gr, both, j, v, g, hv] = [
        "hessian",
        "value",
        "gradient",
        "value_gradient",
        "column",
        "value_j",
        "gradient_j",
        "product",
    ]
    .map(fresh);
    let diff: Vec<&FnParam> = sig.diff_params().collect();
    let parts: Vec<Part> = diff.iter().map(|p| Part::of_param(p, sig)).collect();
    let sizes: Vec<TokenStream> = parts.iter().map(Part::size).collect();
    let offsets: Vec<TokenStream> = (0..sizes.len()).map(|k| sum(&sizes[..k])).collect();
    let n = sum(&sizes);
    let args: Vec<TokenStream> = sig
        .params
        .iter()
        .map(|p| {
            let x = &p.ident;
            quote!(::core::clone::Clone::clone(&#x))
        })
        .collect();
    let units: Vec<TokenStream> = parts
        .iter()
        .zip(&offsets)
        .map(|(part, o)| part.unit(&float, &j, o))
        .collect();
    let direction = if units.len() == 1 {
        units[0].clone()
    } else {
        quote!((#(#units),*))
    };
    let call = if sig.assoc {
        quote!(Self::#hvp(#(#args,)* #direction))
    } else {
        quote!(#hvp(#(#args,)* #direction))
    };
    let column: Vec<TokenStream> = parts
        .iter()
        .zip(&offsets)
        .enumerate()
        .map(|(k, (part, o))| {
            let entry = if parts.len() == 1 {
                quote!(#hv)
            } else {
                let k = syn::Index::from(k);
                quote!(#hv.#k)
            };
            part.write(&entry, &Target::Column(&hess, &j), o)
        })
        .collect();
    let bound = super::structs::self_bound(sig);
    let doc = hessian_doc(name, sig);
    let used = sig.assoc.then(|| quote!(let _ = Self::#name;));
    quote! {
        #[doc = #doc]
        #[allow(clippy::all, unused_parens, unused_variables, unused_mut, dead_code)]
        #vis fn #hess_name(#ins) -> (#float, #gty, [[#float; #n]; #n]) #bound {
            #used
            let mut #hess: [[#float; #n]; #n] = ::macrograd::__private::hessian_matrix();
            let mut #both = ::core::option::Option::None;
            for #j in 0..#n {
                let (#v, #g, #hv) = #call;
                #(#column)*
                #both = ::core::option::Option::Some((#v, #g));
            }
            let (#value, #gr) = match #both {
                ::core::option::Option::Some(#both) => #both,
                ::core::option::Option::None => {
                    // no float at all: every part of the direction is zero
                    let #j = 0;
                    let (#v, #g, _) = #call;
                    (#v, #g)
                }
            };
            (#value, #gr, #hess)
        }
    }
}

/// The rustdoc of [`hessian_by_calls`]'s function.
fn hessian_doc(name: &Ident, sig: &Signature) -> String {
    let params: Vec<String> = sig.params.iter().map(|p| p.ident.to_string()).collect();
    let call = format!("{name}({})", params.join(", "));
    format!(
        " Value, gradient and Hessian of [`{name}`]: returns `({call}, gradient, H)`; the gradient is \
         `{name}_hvp`'s (as `{name}_grad` computes it) and `H[i][j] = ∂²{name}/∂xᵢ∂xⱼ` over x = ({}).\n\n \
         A struct parameter's rows and columns are all its floats in the order of its declaration (an array \
         field's elements in turn, a nested struct's floats in its own order: the order \
         `Differentiable::for_each_float` visits), because the body passes a struct on whole. Built from one \
         call of `{name}_hvp` per column, each along a unit direction; nothing is allocated, and `N × N` is \
         checked against the size limit at compile time.\n\n Generated by macrograd's `#[differentiable]` at \
         compile time.",
        columns_doc(sig)
    )
}

/// The differentiable elements of `sig` as the columns of a matrix built
/// by calls: every float of a struct parameter.
fn columns_doc(sig: &Signature) -> String {
    let cols: Vec<String> = sig
        .diff_params()
        .map(|p| match p.len {
            _ if p.strukt => format!("every float of `{}`", p.ident),
            Some(n) if p.tuple => (0..n)
                .map(|i| format!("{}.{i}", p.ident))
                .collect::<Vec<_>>()
                .join(", "),
            Some(n) => (0..n)
                .map(|i| format!("{}[{i}]", p.ident))
                .collect::<Vec<_>>()
                .join(", "),
            None => p.ident.to_string(),
        })
        .collect();
    cols.join(", ")
}
