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
//! A field whose type is never differentiable (an integer, `bool`, a
//! string, a standard container, a reference, tuple or slice) is reported
//! here, on its type; other field types are checked through the trait in the
//! generated code, every use of a field spanned on its type, so a field of
//! an unmarked struct type is one error from rustc, on that type.
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

/// A field whose type is syntactically never `Differentiable`: an integer,
/// `bool`, `char`, a standard container or string, a reference, pointer,
/// slice, tuple, function or trait object. Named by its outermost type; other
/// types (a user's struct) are checked by rustc through the generated impl.
#[doc(hidden)]
pub fn not_float(ty: &syn::Type) -> Option<String> {
    const NEVER: &[&str] = &[
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
        "bool", "char", "str", "String", "Vec", "VecDeque", "Option", "Box", "Rc", "Arc",
        "HashMap", "BTreeMap", "HashSet", "BTreeSet", "Cell", "RefCell",
    ];
    let what = match ungroup(ty) {
        syn::Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            let name = NEVER.iter().find(|s| last.ident == s)?;
            format!("`{name}`")
        }
        syn::Type::Reference(_) => "a reference".to_owned(),
        syn::Type::Ptr(_) => "a pointer".to_owned(),
        syn::Type::Slice(_) => "a slice".to_owned(),
        syn::Type::Tuple(_) => "a tuple".to_owned(),
        syn::Type::BareFn(_) => "a function pointer".to_owned(),
        syn::Type::TraitObject(_) | syn::Type::ImplTrait(_) => "a trait object".to_owned(),
        syn::Type::Never(_) => "`!`".to_owned(),
        _ => return None,
    };
    Some(format!(
        "a `Differentiable` struct holds floats, fixed arrays of floats or other `Differentiable` structs, not {what}: \
         make this field `f64`/`f32`, a fixed array such as `[f64; 3]` or a `#[derive(Differentiable)]` struct, \
         or move it into another struct passed as a `#[nograd]` parameter"
    ))
}

/// A macro's `$t:ty` (an invisible group) or a parenthesised type, unwrapped.
fn ungroup(mut ty: &syn::Type) -> &syn::Type {
    loop {
        match ty {
            syn::Type::Group(g) => ty = &g.elem,
            syn::Type::Paren(p) => ty = &p.elem,
            _ => return ty,
        }
    }
}

/// Whether a field's type is syntactically a float or a (nested) fixed
/// array of floats, whose `Float` is known to exist.
#[doc(hidden)]
pub fn is_float_like(ty: &syn::Type) -> bool {
    let mut ty = ungroup(ty);
    while let syn::Type::Array(a) = ty {
        ty = ungroup(&a.elem);
    }
    matches!(ty, syn::Type::Path(p) if p.qself.is_none() && (p.path.is_ident("f64") || p.path.is_ident("f32")))
}

fn write_impl(name: &syn::Ident, fields: &syn::Fields) -> TokenStream {
    let rt = quote!(::macrograd::Differentiable);
    let members: Vec<(syn::Member, &syn::Type)> = fields
        .iter()
        .enumerate()
        .map(|(k, f)| {
            // the member spanned on the field's type, like the trait paths
            // below: every use of a field that is not differentiable is
            // then the same diagnostic, which rustc shows once
            let mut m = match &f.ident {
                Some(id) => syn::Member::Named(id.clone()),
                None => syn::Member::Unnamed(syn::Index::from(k)),
            };
            match &mut m {
                syn::Member::Named(id) => id.set_span(f.ty.span()),
                syn::Member::Unnamed(ix) => ix.span = f.ty.span(),
            }
            (m, &f.ty)
        })
        .collect();
    // the struct's float: that of its first float or array field if any, so
    // a field of an unmarked struct type is one error (a `Self::Float`
    // that cannot be named would fail every other field's visit too)
    let first = members
        .iter()
        .map(|(_, ty)| *ty)
        .find(|ty| is_float_like(ty))
        .unwrap_or(members[0].1);
    let float = quote_spanned!(first.span()=> <#first as #rt>::Float);
    // each field's whole term spanned on the field's type: rustc's errors
    // about a field point there, and its uses' errors (the trait path, the
    // argument `a`, the sum) are one diagnostic, which rustc shows once;
    // the names `self`, `a`, `x` and `f` keep this macro's span (a field
    // type from a `macro_rules!` has that macro's hygiene); the arguments
    // `a` and `f` pass through `identity` spanned on the field's type, so a
    // mismatch with a field's `Float` is reported there too
    let (this, a, x, f) = (quote!(self), quote!(a), quote!(x), quote!(f));
    let id = |ty: &syn::Type| quote_spanned!(ty.span()=> ::core::convert::identity);
    let zero = members.iter().map(|(m, ty)| {
        let g = quote_spanned!(ty.span()=> <#ty as #rt>::zero);
        quote_spanned!(ty.span()=> #m: #g())
    });
    let add = members.iter().map(|(m, ty)| {
        let g = quote_spanned!(ty.span()=> <#ty as #rt>::add_scaled);
        let id = id(ty);
        quote_spanned!(ty.span()=> #g(&mut #this.#m, #id(#a), &#x.#m);)
    });
    // each `+` spanned on its term's field type too: adding a field's
    // `Float` that cannot be named is then that field's one error again
    let dot = members.iter().enumerate().map(|(k, (m, ty))| {
        let g = quote_spanned!(ty.span()=> <#ty as #rt>::dot);
        let plus = (k > 0).then(|| quote_spanned!(ty.span()=> +));
        quote_spanned!(ty.span()=> #plus #g(&#this.#m, &#x.#m))
    });
    // declaration order: the rows of a struct result's Jacobian
    let visit = members.iter().map(|(m, ty)| {
        let g = quote_spanned!(ty.span()=> <#ty as #rt>::for_each_float);
        let id = id(ty);
        quote_spanned!(ty.span()=> #g(&#this.#m, #id(&mut *#f));)
    });
    let visit_mut = members.iter().map(|(m, ty)| {
        let g = quote_spanned!(ty.span()=> <#ty as #rt>::for_each_float_mut);
        let id = id(ty);
        quote_spanned!(ty.span()=> #g(&mut #this.#m, #id(&mut *#f));)
    });
    let floats = members.iter().map(|(_, ty)| {
        let c = quote_spanned!(ty.span()=> <#ty as #rt>::FLOATS);
        quote!(#c)
    });
    quote! {
        impl #rt for #name {
            type Float = #float;
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
                #(#dot)*
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
