//! Emitting user structs: the checks on struct parameters, the bindings
//! of the fields the body reads, and each struct's gradient value.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::body::Writer;
use super::names;
use crate::ir::Graph;

/// The index of a parameter in the graph.
pub(super) fn k_param(g: &Graph, p: &crate::types::Param) -> usize {
    g.params
        .iter()
        .position(|q| std::ptr::eq(q, p))
        .expect("a parameter of the graph")
}

/// What the generated code checks about struct parameters, on the user's
/// tokens, and the bindings of the fields the body reads: each
/// differentiable struct is `Differentiable` with the function's float
/// type (on its type; `self` is checked by a `where` clause, see
/// [`self_bound`]); each field read is bound once, `let s_x =
/// float_field(&s.x);`, which checks (on the read) that it is a float and
/// has the float type whatever it is, so one mistake gives one error.
pub(super) fn struct_checks(w: &mut Writer<'_>) -> Vec<TokenStream> {
    let g = w.g;
    let float = syn::Ident::new(g.float.name(), Span::call_site());
    let mut out = Vec::new();
    for (k, p) in g.params.iter().enumerate() {
        let (Some(fields), Some(ty)) = (&p.fields, &p.struct_ty) else {
            continue;
        };
        if p.diff && p.name != "self" {
            let at = syn::spanned::Spanned::span(&**ty);
            out.push(quote_spanned! {at=>
                ::macrograd::__private::struct_param::<#ty, #float>();
            });
        }
        let x = names::ident(&p.name, p.span);
        if p.slice.is_some() {
            // rows of structs: checked on the type, for any row
            for f in fields {
                let path = field_tokens(f, f.span);
                out.push(quote_spanned! {f.span=>
                    let _ = |row: &#ty| ::macrograd::__private::float_field::<#float, _>(&row #path);
                });
            }
            continue;
        }
        for (i, f) in fields.iter().enumerate() {
            let path = field_tokens(f, p.span);
            let base = format!("{}_{}", p.name.trim_start_matches("r#"), f.ident_suffix());
            let name = w.names.fresh(&base);
            // a field that is no float compiles here: the user's function
            // reports the mistake (see `__private::FieldRead`)
            let read = quote_spanned! {f.span=>
                {
                    #[allow(unused_imports)]
                    use ::macrograd::__private::{ReadAnyField as _, ReadFloat as _};
                    (&::macrograd::__private::FieldRead::<#float, _>(&#x #path, ::core::marker::PhantomData)).read_float()
                }
            };
            if p.diff {
                // the projection writes the gradient's field (see
                // `struct_gradient`) without a second check
                let proj = w.names.fresh(&format!("{base}_mut"));
                out.push(quote! { let (#name, #proj) = #read; });
                w.struct_fields_mut.insert((k, i), proj);
            } else {
                out.push(quote! { let (#name, _) = #read; });
            }
            w.struct_reads.insert((k, i), name);
        }
    }
    out
}

/// `where Self: Differentiable<Float = F>` for a method whose `self` is
/// differentiable, spanned on `self`: a receiver that is not a marked
/// struct (a trait object, a struct without the derive) gives this one
/// error, and the generated signatures (which return a `Self`) give none.
pub(super) fn self_bound(sig: &crate::types::Signature) -> TokenStream {
    let Some(p) = sig
        .params
        .iter()
        .find(|p| p.strukt && !p.nograd && p.ident == "self")
    else {
        return TokenStream::new();
    };
    let float = syn::Ident::new(sig.float.name(), Span::call_site());
    quote_spanned! {p.ident.span()=>
        where Self: ::macrograd::Differentiable<Float = #float>
    }
}

/// `.arm.l1` / `.w[2]` as tokens, spanned at `span`.
pub(crate) fn field_tokens(f: &crate::types::FieldPath, span: Span) -> TokenStream {
    seg_tokens(&f.segs, span)
}

/// The steps of a path into a struct as tokens.
pub(crate) fn seg_tokens(segs: &[crate::types::Seg], span: Span) -> TokenStream {
    let mut out = TokenStream::new();
    for seg in segs {
        match seg {
            crate::types::Seg::Field(name) => {
                let m = member(name, span);
                out.extend(quote!(.#m));
            }
            crate::types::Seg::Index(i) => {
                let i = Literal::usize_unsuffixed(*i);
                out.extend(quote!([#i]));
            }
        }
    }
    out
}

/// A field name (`x`, `r#type`) or number (`0`) as a member.
pub(crate) fn member(name: &str, span: Span) -> TokenStream {
    match name.parse::<u32>() {
        Ok(i) => {
            let i = syn::Index { index: i, span };
            quote!(#i)
        }
        Err(_) => {
            let id = names::ident(name, span);
            quote!(#id)
        }
    }
}

/// The gradient of a struct parameter: zero, with each field the body
/// reads set to its derivative (added, when calls also add into it).
///
/// Each field is written through the projection its read returned
/// (`projs[i]`, see [`struct_checks`]), so that a field that is no float
/// (already reported where it is read) adds no second error here.
pub(super) fn struct_gradient(
    d: &syn::Ident,
    fields: &[crate::types::FieldPath],
    projs: &[syn::Ident],
    span: Span,
    elems: &[TokenStream],
    declared: bool,
    ty: &syn::Type,
) -> TokenStream {
    let sets = fields.iter().zip(projs).zip(elems).map(|((f, m), e)| {
        let path = field_tokens(f, span);
        if declared {
            quote!(*#m(&mut #d #path) += #e;)
        } else {
            quote!(*#m(&mut #d #path) = #e;)
        }
    });
    let decl =
        (!declared).then(|| quote!(let mut #d = <#ty as ::macrograd::Differentiable>::zero();));
    quote!({
        #decl
        #(#sets)*
        #d
    })
}

impl Writer<'_> {
    /// A struct argument as the user wrote it (see `ir::structs`).
    pub(super) fn struct_expr(&mut self, s: &crate::ir::StructArg, at: Span) -> TokenStream {
        // literals nest as written: the depth is the user's own nesting
        let e = self.struct_expr_of(s, &s.expr, None, at);
        match &s.expr {
            // `Self::adv(*self, h)`: the callee takes the struct by value
            crate::ir::StructExpr::Path { path, .. } if s.deref && path.is_empty() => {
                quote!(*#e)
            }
            _ => e,
        }
    }

    /// The tangent of a struct argument written as literals only (a part
    /// taken from a struct parameter is pulled back in reverse mode only):
    /// the literal with each float replaced by its tangent, `tangents[i]`.
    pub(super) fn struct_tangent(
        &mut self,
        s: &crate::ir::StructArg,
        tangents: &[TokenStream],
        at: Span,
    ) -> TokenStream {
        self.struct_expr_of(s, &s.expr, Some(tangents), at)
    }

    fn struct_expr_of(
        &mut self,
        s: &crate::ir::StructArg,
        e: &crate::ir::StructExpr,
        tangents: Option<&[TokenStream]>,
        at: Span,
    ) -> TokenStream {
        use crate::ir::StructExpr;
        let elem = |w: &mut Self, i: usize| match tangents {
            Some(t) => t[i].clone(),
            None => w.expr(s.elems[i]).0,
        };
        match e {
            // a tangent: the direction's part, zero for a parameter without
            // one (`#[nograd]`)
            StructExpr::Path { param, path } if tangents.is_some() => {
                let dir = self.g.struct_directions.iter().find(|(k, _)| k == param);
                match dir {
                    Some(&(_, t)) => {
                        let p = &self.g.params[t];
                        let id = names::ident(&p.name, p.span);
                        let path = seg_tokens(path, self.g.params[*param].span);
                        quote!(#id #path)
                    }
                    None => quote!(::macrograd::Differentiable::zero()),
                }
            }
            StructExpr::Path { param, path } => {
                let p = &self.g.params[*param];
                let id = names::ident(&p.name, p.span);
                let path = seg_tokens(path, p.span);
                quote!(#id #path)
            }
            // a call's struct result by the name it is bound to, `p.arm`; a
            // tangent never (`diff::vcall::forward` rejects such calls)
            StructExpr::Res(i) => {
                let part = &s.results[*i];
                let crate::ir::Op::Call(c) = self.g.op(part.call) else {
                    unreachable!("a struct result is a call's")
                };
                let value = self.names.of(self.g, c.value);
                let path = seg_tokens(&part.target, at);
                match tangents {
                    Some(_) => quote!(::macrograd::Differentiable::zero()),
                    None => quote!(#value #path),
                }
            }
            StructExpr::Elem(i) => elem(self, *i),
            StructExpr::Array(v) => {
                let es: Vec<_> = v.iter().map(|i| elem(self, *i)).collect();
                quote!([#(#es),*])
            }
            StructExpr::Lit { ty, fields, rest } => {
                let ty = super::body::extern_path(ty, at);
                let fs: Vec<_> = fields
                    .iter()
                    .map(|(name, v)| {
                        let m = member(name, at);
                        let deref = tangents.is_none() && whole_ref(self.g, v);
                        let v = self.struct_expr_of(s, v, tangents, at);
                        if deref {
                            quote!(#m: *#v)
                        } else {
                            quote!(#m: #v)
                        }
                    })
                    .collect();
                let rest = rest.as_ref().map(|r| {
                    // `..*self`: a value, never the reference
                    let deref = tangents.is_none() && whole_ref(self.g, r);
                    let r = self.struct_expr_of(s, r, tangents, at);
                    if deref {
                        quote!(..*#r)
                    } else {
                        quote!(..#r)
                    }
                });
                quote!(#ty { #(#fs,)* #rest })
            }
        }
    }

    /// `Differentiable::dot(&entry.arm, &tangent_s.arm)`, the fields the
    /// literal wrote itself zeroed in a copy of the entry first (see
    /// `ir::StructDot`).
    pub(super) fn struct_dot(&mut self, d: &crate::ir::StructDot, at: Span) -> TokenStream {
        let g = self.g;
        let entry = self.entry_name(d.call_value, d.entry_of, d.arg);
        let (tangent, span) = match d.from_result {
            // a call's struct result passed on whole: its JVP's result
            // tangent, bound before (see `ir::ResultPart`)
            Some(r) => {
                let crate::ir::Op::Result(call) = g.op(r) else {
                    unreachable!("a struct result's tangent is a call's result")
                };
                (self.result_tangent(*call), at)
            }
            None => {
                let t = &g.params[d.tangent];
                (names::ident(&t.name, t.span), g.params[d.accum.param].span)
            }
        };
        let target = seg_tokens(&d.accum.target, span);
        let source = seg_tokens(&d.accum.source, span);
        // an entry of another type (a `#[nograd]` callee parameter) is
        // reported once, by `name_grad`'s `add_struct_partial`: zero here
        let dot = |part: TokenStream| {
            quote_spanned! {at=>
                {
                    #[allow(unused_imports)]
                    use ::macrograd::__private::{DotNothing as _, DotPartial as _};
                    (&::macrograd::__private::PartialDot(#part, &#tangent #target)).partial_dot()
                }
            }
        };
        if d.accum.zero.is_empty() {
            return dot(quote!(&#entry #source));
        }
        let zero = d.accum.zero.iter().map(|z| {
            let z = seg_tokens(z, span);
            quote!(part #z = ::macrograd::Differentiable::zero();)
        });
        let dot = dot(quote!(&part));
        quote!({
            let mut part = ::core::clone::Clone::clone(&#entry #source);
            #(#zero)*
            #dot
        })
    }

    /// The variable holding a call's gradient entry for argument `arg`:
    /// `{value}_partial{arg}` of a call, `{node}_entry{arg}` of a nested
    /// call or its HVP (`entry_of`).
    fn entry_name(
        &mut self,
        value: crate::ir::NodeId,
        entry_of: Option<crate::ir::NodeId>,
        arg: usize,
    ) -> syn::Ident {
        match entry_of {
            Some(n) => {
                let base = self.names.of(self.g, n);
                format_ident!("{}_entry{}", base, arg)
            }
            None => {
                let value = self.names.of(self.g, value);
                format_ident!("{}_partial{}", value, arg)
            }
        }
    }

    /// `d_s.arm += coeff · entry.arm` (see `ir::structs`), or into the
    /// parameter's H·v `hv_s` for the tangent of one.
    pub(super) fn add_struct(&mut self, a: &crate::ir::AddStruct, at: Span) -> TokenStream {
        let g = self.g;
        let entry = self.entry_name(a.call_value, a.entry_of, a.arg);
        let coeff = self.expr(a.coeff).0;
        let target = if a.tangent {
            &self.struct_tangents
        } else {
            &self.struct_grads
        };
        let Some(d) = target.get(&a.accum.param).cloned() else {
            return quote!();
        };
        let span = g.params[a.accum.param].span;
        add_part(
            &quote!(#d),
            &a.accum.target,
            &coeff,
            &entry,
            &a.accum.source,
            &a.accum.zero,
            span,
            at,
        )
    }
}

/// `add_struct_partial(&mut d<target>, coeff, &entry<source>)`, the
/// fields in `zero` (which a literal wrote itself) left out of a copy of
/// the entry first; the paths spanned at `span`, the call at `at` (rustc's
/// error for a `#[nograd]` callee parameter points there).
#[allow(clippy::too_many_arguments)]
pub(super) fn add_part(
    d: &TokenStream,
    target: &[crate::types::Seg],
    coeff: &TokenStream,
    entry: &syn::Ident,
    source: &[crate::types::Seg],
    zero: &[Vec<crate::types::Seg>],
    span: Span,
    at: Span,
) -> TokenStream {
    let target = seg_tokens(target, span);
    let source = seg_tokens(source, span);
    let add = quote_spanned!(at=> ::macrograd::__private::add_struct_partial);
    if zero.is_empty() {
        return quote! {
            #add(&mut #d #target, #coeff, &#entry #source);
        };
    }
    let zero = zero.iter().map(|z| {
        let z = seg_tokens(z, span);
        quote!(part #z = ::macrograd::Differentiable::zero();)
    });
    quote! {
        {
            let mut part = ::core::clone::Clone::clone(&#entry #source);
            #(#zero)*
            #add(&mut #d #target, #coeff, &part);
        }
    }
}

/// A whole struct parameter taken by reference (`&self`, `s: &State`):
/// inside a literal the value behind it is written, `..*self`.
fn whole_ref(g: &crate::ir::Graph, e: &crate::ir::StructExpr) -> bool {
    matches!(e, crate::ir::StructExpr::Path { param, path } if path.is_empty() && g.params[*param].by_ref)
}
