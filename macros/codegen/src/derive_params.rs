//! `#[derive(Params)]`: the runtime's parameter visitor for a user struct.
//!
//! Writes `macrograd::params::Params` for a struct with named fields (or a
//! tuple struct) following the contract documented in
//! `macrograd_runtime::params`: fields visited in declaration order, each in
//! a scope named after it (`#[params(rename = "...")]` changes the name,
//! `#[params(skip)]` leaves the field out), the gradient type is `Self`, and
//! `Scalar` is the first visited field's scalar type.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ctxt::Ctxt;

/// The attribute the derive reads on fields.
const ATTR: &str = "params";

/// One visited field.
struct Field {
    /// `self.<member>`
    member: syn::Member,
    /// Its name in parameter paths.
    name: String,
    ty: syn::Type,
    span: Span,
}

/// Expands `#[derive(Params)]`.
pub fn expand_derive_params(input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let input: syn::DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.into_compile_error(),
    };
    let fields = match &input.data {
        syn::Data::Struct(s) => read_fields(&s.fields, &cx),
        syn::Data::Enum(e) => {
            cx.error_at(
                e.enum_token.span,
                "`#[derive(Params)]` supports structs only: an enum's parameters would change with its variant",
            );
            Vec::new()
        }
        syn::Data::Union(u) => {
            cx.error_at(
                u.union_token.span,
                "`#[derive(Params)]` supports structs only",
            );
            Vec::new()
        }
    };
    if !cx.has_errors() && fields.is_empty() {
        cx.error_spanned_by(
            &input.ident,
            "`#[derive(Params)]` needs at least one field to visit (fields marked `#[params(skip)]` do not count)",
        );
    }
    if let Err(e) = cx.check() {
        return e.into_compile_error();
    }
    write_impl(&input, &fields)
}

fn read_fields(fields: &syn::Fields, cx: &Ctxt) -> Vec<Field> {
    let mut out = Vec::new();
    for (k, f) in fields.iter().enumerate() {
        let member = match &f.ident {
            Some(id) => syn::Member::Named(id.clone()),
            None => syn::Member::Unnamed(syn::Index::from(k)),
        };
        let mut name = match &f.ident {
            Some(id) => id.to_string().trim_start_matches("r#").to_string(),
            None => k.to_string(),
        };
        let mut skip = false;
        for attr in f.attrs.iter().filter(|a| a.path().is_ident(ATTR)) {
            let res = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("skip") {
                    skip = true;
                    Ok(())
                } else if meta.path.is_ident("rename") {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    if lit.value().is_empty() || lit.value().contains('.') {
                        return Err(syn::Error::new(
                            lit.span(),
                            "a parameter name is non-empty and has no `.`",
                        ));
                    }
                    name = lit.value();
                    Ok(())
                } else {
                    Err(meta
                        .error("unsupported `params` argument: use `skip` or `rename = \"name\"`"))
                }
            });
            if let Err(e) = res {
                cx.push(e);
            }
        }
        if !skip {
            // the member spanned on the field's type, like the calls that
            // use it: the three visits' errors for a field that is not a
            // parameter are then one diagnostic, which rustc shows once
            let mut member = member;
            match &mut member {
                syn::Member::Named(id) => id.set_span(f.ty.span()),
                syn::Member::Unnamed(ix) => ix.span = f.ty.span(),
            }
            out.push(Field {
                member,
                name,
                ty: f.ty.clone(),
                span: f.ty.span(),
            });
        }
    }
    out
}

/// Expands to the `impl Params for Name` described in the module docs.
fn write_impl(input: &syn::DeriveInput, fields: &[Field]) -> TokenStream {
    let name = &input.ident;
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
    let rt = quote!(::macrograd::params);
    let first = &fields[0].ty;
    let scalar = quote!(<#first as #rt::Params>::Scalar);
    let visit = fields.iter().map(|f| {
        let (m, n) = (&f.member, &f.name);
        quote_spanned!(f.span=> path.scope(#n, |path| #rt::Params::visit(&self.#m, path, f))?;)
    });
    let visit_mut = fields.iter().map(|f| {
        let (m, n) = (&f.member, &f.name);
        quote_spanned!(f.span=> path.scope(#n, |path| #rt::Params::visit_mut(&mut self.#m, path, f))?;)
    });
    let visit_grad = fields.iter().map(|f| {
        let (m, n) = (&f.member, &f.name);
        quote_spanned!(f.span=> path.scope(#n, |path| #rt::Params::visit_with_grad(&mut self.#m, &grad.#m, path, f))?;)
    });
    quote! {
        impl #impl_g #rt::Params for #name #ty_g #where_g {
            type Scalar = #scalar;
            type Gradient = Self;
            fn visit(
                &self,
                path: &mut #rt::ParamPath,
                f: &mut dyn FnMut(#rt::Leaf<'_, Self::Scalar>) -> ::macrograd::Result<()>,
            ) -> ::macrograd::Result<()> {
                #(#visit)*
                Ok(())
            }
            fn visit_mut(
                &mut self,
                path: &mut #rt::ParamPath,
                f: &mut dyn FnMut(#rt::LeafMut<'_, Self::Scalar>) -> ::macrograd::Result<()>,
            ) -> ::macrograd::Result<()> {
                #(#visit_mut)*
                Ok(())
            }
            fn visit_with_grad(
                &mut self,
                grad: &Self,
                path: &mut #rt::ParamPath,
                f: &mut dyn FnMut(#rt::LeafGrad<'_, Self::Scalar>) -> ::macrograd::Result<()>,
            ) -> ::macrograd::Result<()> {
                #(#visit_grad)*
                Ok(())
            }
        }
    }
}
