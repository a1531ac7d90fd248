//! `#[derive(Differentiable)]`: marks a struct as a differentiable value.
//!
//! Writes `macrograd::Differentiable` for a struct with named fields (or a
//! tuple struct) whose fields are floats, fixed arrays of floats or other
//! `Differentiable` structs, all of one float type: `zero` (every field
//! zero), `add_scaled` (`self += a · x`, field by field),
//! `for_each_float` and `for_each_float_mut` (the floats in declaration
//! order), `dot` and `FLOATS` (how many floats); and the runtime's
//! `ZeroDirection` (its zero: the direction of a struct argument that
//! depends on no differentiable input, in a call differentiated twice).
//! Field types
//! are checked through the trait in the generated code (a field of an
//! unmarked struct type is reported by rustc on that type); integers and
//! `bool` are reported here, on the field's type.
//!
//! `#[differentiable]` cannot see the struct's definition, so it never needs
//! its shape: see `macrograd_runtime::differentiable` for the design.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ctxt::Ctxt;

/// Expands `#[derive(Differentiable)]`.
pub fn expand_derive_differentiable(input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let input: syn::DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.into_compile_error(),
    };
    let fields = match &input.data {
        syn::Data::Struct(s) => &s.fields,
        syn::Data::Enum(e) => {
            cx.error_at(
                e.enum_token.span,
                "`#[derive(Differentiable)]` supports structs only: write the values as fields of a struct",
            );
            return cx
                .check()
                .err()
                .map(syn::Error::into_compile_error)
                .unwrap_or_default();
        }
        syn::Data::Union(u) => {
            cx.error_at(
                u.union_token.span,
                "`#[derive(Differentiable)]` supports structs only",
            );
            return cx
                .check()
                .err()
                .map(syn::Error::into_compile_error)
                .unwrap_or_default();
        }
    };
    if let Some(lt) = input.generics.lt_token {
        cx.error_at(
            lt.span,
            "`#[derive(Differentiable)]` supports structs without generic parameters: write the float type (`f64` or `f32`) in the fields",
        );
    }
    if fields.is_empty() {
        cx.error_spanned_by(
            &input.ident,
            "`#[derive(Differentiable)]` needs at least one float field",
        );
    }
    for f in fields {
        if let Some(msg) = not_float(&f.ty) {
            cx.error_spanned_by(&f.ty, msg);
        }
    }
    if let Err(e) = cx.check() {
        return e.into_compile_error();
    }
    write_impl(&input.ident, fields)
}

/// An integer, `bool` or `char` field: never differentiable.
fn not_float(ty: &syn::Type) -> Option<String> {
    const SCALARS: &[&str] = &[
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
        "bool", "char",
    ];
    let syn::Type::Path(p) = ty else { return None };
    let id = p.path.get_ident()?;
    SCALARS.iter().any(|s| id == s).then(|| {
        format!(
            "a `Differentiable` struct holds floats, fixed arrays of floats or other `Differentiable` structs, not `{id}`: \
             move this field into another struct passed as a `#[nograd]` parameter, or make it `f64`/`f32`"
        )
    })
}

fn write_impl(name: &syn::Ident, fields: &syn::Fields) -> TokenStream {
    let rt = quote!(::macrograd::Differentiable);
    let members: Vec<(syn::Member, &syn::Type)> = fields
        .iter()
        .enumerate()
        .map(|(k, f)| {
            let m = match &f.ident {
                Some(id) => syn::Member::Named(id.clone()),
                None => syn::Member::Unnamed(syn::Index::from(k)),
            };
            (m, &f.ty)
        })
        .collect();
    let first = members[0].1;
    // the trait paths spanned on each field's type (rustc's errors about a
    // field point there); the names (`self`, `a`, `x`) keep this macro's
    // hygiene
    let zero = members.iter().map(|(m, ty)| {
        let f = quote_spanned!(ty.span()=> <#ty as #rt>::zero);
        quote!(#m: #f())
    });
    let add = members.iter().map(|(m, ty)| {
        let f = quote_spanned!(ty.span()=> <#ty as #rt>::add_scaled);
        quote!(#f(&mut self.#m, a, &x.#m);)
    });
    let dot = members.iter().map(|(m, ty)| {
        let f = quote_spanned!(ty.span()=> <#ty as #rt>::dot);
        quote!(#f(&self.#m, &x.#m))
    });
    // declaration order: the rows of a struct result's Jacobian
    let visit = members.iter().map(|(m, ty)| {
        let f = quote_spanned!(ty.span()=> <#ty as #rt>::for_each_float);
        quote!(#f(&self.#m, f);)
    });
    let visit_mut = members.iter().map(|(m, ty)| {
        let f = quote_spanned!(ty.span()=> <#ty as #rt>::for_each_float_mut);
        quote!(#f(&mut self.#m, f);)
    });
    let floats = members.iter().map(|(_, ty)| {
        let c = quote_spanned!(ty.span()=> <#ty as #rt>::FLOATS);
        quote!(#c)
    });
    quote! {
        impl #rt for #name {
            type Float = <#first as #rt>::Float;
            #[inline(always)]
            fn zero() -> Self {
                Self { #(#zero),* }
            }
            #[inline(always)]
            fn add_scaled(&mut self, a: Self::Float, x: &Self) {
                #(#add)*
            }
            #[inline(always)]
            fn for_each_float<V: FnMut(Self::Float)>(&self, f: &mut V) {
                #(#visit)*
            }
            #[inline(always)]
            fn dot(&self, x: &Self) -> Self::Float {
                #(#dot)+*
            }
            const FLOATS: usize = #(#floats)+*;
            #[inline(always)]
            fn for_each_float_mut<V: FnMut(&mut Self::Float)>(&mut self, f: &mut V) {
                #(#visit_mut)*
            }
        }
        // the direction of a struct argument that depends on no
        // differentiable input, in a call differentiated twice
        impl ::macrograd::__private::ZeroDirection for #name {
            #[inline(always)]
            fn zero() -> Self {
                <Self as #rt>::zero()
            }
        }

        // a differentiable caller passing on the value of a call returning
        // this struct, unbound, reads the next callee's entry (this struct)
        // as a float: the first callee's trap bound (`StructResult`) is
        // that program's one error, and this keeps the read from being a
        // second; never called, as such a program does not compile
        // (any float: naming the fields' one would repeat a bad field's error)
        impl<F: ::macrograd::Float> ::macrograd::__private::CallPartial<F> for #name {
            fn into_partial(self) -> F {
                unreachable!("only the value of an unbound struct result, whose trap bound fails the build, is read so")
            }
        }
    }
}
