//! Parameters: each input's `#[nograd]`, type and float type, and the
//! receiver of a method (`&self`, `self`), read into a [`FnParam`] with an
//! error on the user's tokens for what cannot be differentiated.

use super::{MAX_ELEMENTS, NOGRAD};
use crate::ctxt::Ctxt;
use crate::types::{float_of_type, is_usize, slice_of_type, Float, FnParam};

/// `&self` or `self`: a parameter named `self` of type `&Self` / `Self`, a
/// struct (differentiable unless marked `#[nograd]`).
pub(super) fn parse_receiver(r: &mut syn::Receiver, cx: &Ctxt) -> Option<FnParam> {
    let mut nograd = false;
    r.attrs.retain(|a| {
        if a.path().is_ident(NOGRAD) {
            nograd = true;
            return false;
        }
        true
    });
    if r.reference.is_some() && r.mutability.is_some() {
        cx.error_spanned_by(
            &*r,
            "`&mut self` is not supported: a differentiable method computes a value; take `&self` (its gradient is returned as a `Self`)",
        );
        return None;
    }
    let ty = (*r.ty).clone();
    if crate::types::struct_of_type(&ty).is_none() {
        cx.error_spanned_by(&*r, "a differentiable method takes `&self` or `self`");
        return None;
    }
    Some(FnParam {
        ident: syn::Ident::new("self", r.self_token.span),
        by_ref: matches!(ty, syn::Type::Reference(_)),
        ty,
        len: None,
        nograd,
        mutable: r.mutability.is_some() && r.reference.is_none(),
        opaque: false,
        slice: None,
        index: false,
        tuple: false,
        strukt: true,
    })
}

/// Reads one parameter; strips its `#[nograd]` (which would not compile
/// in the item that stays as written).
pub(super) fn parse_param(
    attrs: &mut Vec<syn::Attribute>,
    pat: &syn::Pat,
    ty: &syn::Type,
    cx: &Ctxt,
) -> Option<FnParam> {
    let mut nograd = false;
    attrs.retain(|a| {
        if !a.path().is_ident(NOGRAD) {
            return true;
        }
        if !matches!(a.meta, syn::Meta::Path(_)) {
            cx.error_spanned_by(a, "`#[nograd]` takes no arguments");
        }
        nograd = true;
        false
    });
    for a in attrs.iter() {
        cx.error_spanned_by(
            a,
            "only `#[nograd]` is supported on parameters of a differentiable function",
        );
    }
    let (ident, mutable) = match pat {
        syn::Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
            (p.ident.clone(), p.mutability.is_some())
        }
        other => {
            cx.error_spanned_by(other, "write the parameter as a plain name, e.g. `x: f64`");
            return None;
        }
    };
    let base = FnParam {
        ident,
        ty: ty.clone(),
        len: None,
        nograd,
        mutable,
        opaque: false,
        slice: None,
        index: false,
        by_ref: false,
        tuple: false,
        strukt: false,
    };
    // a `usize` is an index, a length or a step count: never differentiated
    if is_usize(ty) {
        return Some(FnParam {
            nograd: true,
            index: true,
            ..base
        });
    }
    if let Some((_, slice)) = slice_of_type(ty) {
        return Some(FnParam {
            slice: Some(slice),
            ..base
        });
    }
    // `&[Sample]`: rows of a user struct, data read by field in loops
    if crate::types::struct_slice_of_type(ty).is_some() {
        if !nograd {
            cx.error_spanned_by(
                ty,
                "a slice of structs is data here: mark it `#[nograd]` (gradients with respect to slices of structs are not supported)",
            );
            return None;
        }
        return Some(FnParam {
            strukt: true,
            slice: Some(crate::types::Slice { row: None }),
            ..base
        });
    }
    // `State`, `&State`: a user struct, read by field; its gradient is a
    // `State` (a `#[nograd]` one is data whose float fields the body reads)
    if let Some(value) = crate::types::struct_of_type(ty) {
        let by_ref = !std::ptr::eq(value, ty) && matches!(ty, syn::Type::Reference(_));
        let _ = value;
        return Some(FnParam {
            strukt: true,
            by_ref,
            ..base
        });
    }
    // `(f64, f64)`: parts read as `p.0`, a gradient of the same shape
    if let Some((_, n)) = crate::types::float_tuple(ty) {
        return Some(FnParam {
            len: Some(n),
            tuple: true,
            ..base
        });
    }
    // `&f64`, `&[f64; 3]`: the value behind the reference, read once
    if let Some(value) = crate::types::float_ref(ty) {
        let (_, len) = float_of_type(value)?;
        if len.is_some_and(|n| n > MAX_ELEMENTS) {
            cx.error_spanned_by(array_len(value), too_many_elements());
            return None;
        }
        return Some(FnParam {
            len,
            by_ref: true,
            ..base
        });
    }
    let ident = base.ident;
    let opaque_ok = nograd
        && float_of_type(ty).is_none()
        && !matches!(ty, syn::Type::Reference(r) if r.mutability.is_some());
    if opaque_ok {
        return Some(FnParam {
            ident,
            ty: ty.clone(),
            len: None,
            nograd,
            mutable,
            opaque: true,
            slice: None,
            index: false,
            by_ref: false,
            tuple: false,
            strukt: false,
        });
    }
    let (_, len) = param_type(ty, cx)?;
    if len.is_some_and(|n| n > MAX_ELEMENTS) {
        cx.error_spanned_by(array_len(ty), too_many_elements());
        return None;
    }
    Some(FnParam {
        ident,
        ty: ty.clone(),
        len,
        nograd,
        mutable,
        opaque: false,
        slice: None,
        index: false,
        by_ref: false,
        tuple: false,
        strukt: false,
    })
}

/// The message for an array past [`MAX_ELEMENTS`].
pub(crate) fn too_many_elements() -> String {
    format!(
        "this array is too large: macrograd writes code for each element, and the parameters of \
         a differentiable function have at most {MAX_ELEMENTS} elements altogether; use smaller arrays"
    )
}

/// The length expression of an array type (the smallest token to blame for
/// its size), or the type itself.
pub(crate) fn array_len(ty: &syn::Type) -> &dyn quote::ToTokens {
    match ty {
        syn::Type::Array(a) => &a.len,
        syn::Type::Paren(p) => array_len(&p.elem),
        syn::Type::Group(g) => array_len(&g.elem),
        other => other,
    }
}

fn param_type(ty: &syn::Type, cx: &Ctxt) -> Option<(Float, Option<usize>)> {
    if let Some(shape) = float_of_type(ty) {
        return Some(shape);
    }
    let msg = match ty {
        syn::Type::Reference(r) if r.mutability.is_some() => {
            "`&mut` parameters are not supported: a differentiable function computes a value; \
             its gradient is returned, not written through a reference"
                .to_string()
        }
        syn::Type::Array(a) if matches!(float_of_type(&a.elem), Some((_, Some(_)))) => {
            "nested arrays are not supported yet: flatten to one array, e.g. `[f64; 4]` for `[[f64; 2]; 2]`, and index it as `x[i * 2 + j]`".to_string()
        }
        syn::Type::Array(a) if float_of_type(&a.elem).is_some() => {
            "write the array length as an integer literal, e.g. `[f64; 3]`".to_string()
        }
        syn::Type::Path(p) if is_integer_type(p) => format!(
            "cannot differentiate with respect to an integer (`{}`): mark it `#[nograd]` to pass it on to other functions, or use `f32`/`f64`",
            quote::quote!(#p)
        ),
        _ => "unsupported parameter type: differentiable parameters are `f32`, `f64`, fixed-size arrays of them (`[f64; 3]`), shared references to either (`&f64`, `&[f64; 3]`), tuples of up to 8 floats (`(f64, f64)`) or slices (`&[f64]`, `&Vec<f64>`, `&[[f64; 2]]`); mark other inputs `#[nograd]`"
            .to_string(),
    };
    cx.error_spanned_by(ty, msg);
    None
}

fn is_integer_type(p: &syn::TypePath) -> bool {
    const INTS: &[&str] = &[
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
    ];
    p.path
        .get_ident()
        .is_some_and(|i| INTS.iter().any(|n| i == n))
}

/// The float type of a parameter that has one (not an index or an opaque input).
pub(super) fn param_float(p: &FnParam) -> Option<Float> {
    if p.opaque || p.index || p.strukt {
        return None;
    }
    match p.slice {
        Some(_) => slice_of_type(&p.ty).map(|f| f.0),
        None if p.tuple => crate::types::float_tuple(&p.ty).map(|f| f.0),
        None => float_of_type(p.value_ty()).map(|f| f.0),
    }
}
