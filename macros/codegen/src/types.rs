//! Types the pipeline's stages share: the float type, the checked
//! signature `parse` produces and the parameters `ir` sees.
//!
//! `parse` and `ir` both depend on this module and not on each other's
//! internals, so the pipeline runs in one direction: parse -> ir.

use proc_macro2::Span;

/// The float type a function computes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Float {
    /// `f32`
    F32,
    /// `f64`
    F64,
}

impl Float {
    /// The Rust type name.
    pub fn name(self) -> &'static str {
        match self {
            Float::F32 => "f32",
            Float::F64 => "f64",
        }
    }

    /// Rounds a constant to this type (`f32` constants are kept as the `f64`
    /// nearest to their `f32` value, so folding matches run-time arithmetic).
    pub fn round(self, x: f64) -> f64 {
        match self {
            Float::F32 => x as f32 as f64,
            Float::F64 => x,
        }
    }
}

/// A function parameter as the IR sees it.
#[derive(Clone, Debug)]
pub struct Param {
    /// The parameter's name in the source.
    pub name: String,
    /// `None` for a scalar, `Some(n)` for `[F; n]`.
    pub len: Option<usize>,
    /// Whether a gradient is wanted for it (`false` under `#[nograd]`).
    pub diff: bool,
    /// A `#[nograd]` input that is not a float: only passed on to calls.
    pub opaque: bool,
    /// The span of the parameter's name: generated references use it, so
    /// they resolve to the parameter even inside a `macro_rules!` expansion.
    pub span: Span,
}

/// One parameter of a differentiable function.
#[derive(Clone, Debug)]
pub struct FnParam {
    /// Its name.
    pub ident: syn::Ident,
    /// Its type as written.
    pub ty: syn::Type,
    /// `None` for a scalar, `Some(n)` for `[F; n]`.
    pub len: Option<usize>,
    /// Marked `#[nograd]`.
    pub nograd: bool,
    /// Declared `mut x`: the body may assign to it.
    pub mutable: bool,
    /// A `#[nograd]` input of another type (`usize`, `&[f64]` …): the body
    /// can only pass it on to other functions.
    pub opaque: bool,
}

/// What the signature says: the float type and the parameters.
#[derive(Clone, Debug)]
pub struct Signature {
    /// The float type of every value.
    pub float: Float,
    /// The parameters, in order.
    pub params: Vec<FnParam>,
}

impl Signature {
    /// The parameters that get a gradient entry.
    pub fn diff_params(&self) -> impl Iterator<Item = &FnParam> {
        self.params.iter().filter(|p| !p.nograd)
    }

    /// The IR's view of the parameters.
    pub fn ir_params(&self) -> Vec<Param> {
        self.params
            .iter()
            .map(|p| Param {
                name: p.ident.to_string(),
                len: p.len,
                diff: !p.nograd,
                opaque: p.opaque,
                span: p.ident.span(),
            })
            .collect()
    }
}

/// An integer literal, also when a `macro_rules!` wrapper passed it through
/// as an invisible group.
pub fn literal_usize(e: &syn::Expr) -> Option<usize> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(n),
            ..
        }) => n.base10_parse().ok(),
        syn::Expr::Group(g) => literal_usize(&g.expr),
        syn::Expr::Paren(p) => literal_usize(&p.expr),
        _ => None,
    }
}

/// `f32`/`f64` or `[f32; N]`/`[f64; N]` with a literal `N`.
pub fn float_of_type(ty: &syn::Type) -> Option<(Float, Option<usize>)> {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => {
            if p.path.is_ident("f64") {
                Some((Float::F64, None))
            } else if p.path.is_ident("f32") {
                Some((Float::F32, None))
            } else {
                None
            }
        }
        syn::Type::Array(a) => {
            let (f, None) = float_of_type(&a.elem)? else {
                return None;
            };
            literal_usize(&a.len).map(|n| (f, Some(n)))
        }
        syn::Type::Paren(p) => float_of_type(&p.elem),
        syn::Type::Group(g) => float_of_type(&g.elem),
        _ => None,
    }
}
