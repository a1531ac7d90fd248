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

/// The sweep `name_grad` is built by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One tangent per differentiable scalar, carried along the forward
    /// pass (`mode = forward`).
    Forward,
    /// One adjoint sweep (`mode = reverse`).
    Reverse,
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
    /// A buffer of run-time length (`&[F]`, `&Vec<F>`, `&[[F; N]]`), read by
    /// index; a differentiable one has a gradient buffer of the same length.
    pub slice: Option<Slice>,
    /// A `usize` input: an index, a length or a step count.
    pub index: bool,
    /// Passed by shared reference (`&f64`, `&[f64; 3]`): the generated
    /// body reads the value once, `let x = *x;`.
    pub by_ref: bool,
    /// A tuple of floats `(f64, f64)`: [`Param::len`] counts its parts,
    /// read as `p.0`, and its gradient is a tuple of the same shape.
    pub tuple: bool,
    /// The span of the parameter's name: generated references use it, so
    /// they resolve to the parameter even inside a `macro_rules!` expansion.
    pub span: Span,
    /// A user struct (`State`, `&State`): the fields the body reads, in the
    /// order it first reads them. Element `i` of the parameter is field
    /// `fields[i]`; [`Param::len`] counts them once lowering is done.
    pub fields: Option<Vec<FieldPath>>,
    /// The struct's type as written (without `&`), for a struct parameter.
    pub struct_ty: Option<Box<syn::Type>>,
}

/// One step of a path into a struct value: a named field or an element of
/// an array field.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Seg {
    /// `.name`
    Field(String),
    /// `[i]` with a constant `i`
    Index(usize),
}

/// A float inside a struct parameter: `s.arm.l1` is `[arm, l1]`.
#[derive(Clone, Debug)]
pub struct FieldPath {
    /// The steps from the parameter to the float.
    pub segs: Vec<Seg>,
    /// Where the body first reads it (errors about it point there).
    pub span: Span,
}

impl FieldPath {
    /// `.arm.l1` / `.w[2]` as text, for formulas and names.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for seg in &self.segs {
            match seg {
                Seg::Field(f) => {
                    s.push('.');
                    s.push_str(f);
                }
                Seg::Index(i) => s.push_str(&format!("[{i}]")),
            }
        }
        s
    }

    /// `arm_l1` / `w_2`: a suffix for generated names.
    pub fn ident_suffix(&self) -> String {
        let parts: Vec<String> = self
            .segs
            .iter()
            .map(|seg| match seg {
                Seg::Field(f) => f.trim_start_matches("r#").to_string(),
                Seg::Index(i) => i.to_string(),
            })
            .collect();
        parts.join("_")
    }
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
    /// A `#[nograd]` input of another type (`i32`, `&str` …): the body
    /// can only pass it on to other functions.
    pub opaque: bool,
    /// A buffer of run-time length, see [`Param::slice`].
    pub slice: Option<Slice>,
    /// A `usize` input.
    pub index: bool,
    /// Written `&F` or `&[F; N]`: [`FnParam::ty`] is the reference, the
    /// gradient entry is the value's type ([`FnParam::value_ty`]).
    pub by_ref: bool,
    /// A tuple of floats, see [`Param::tuple`].
    pub tuple: bool,
    /// A user struct, read by field (see [`Param::fields`]); with `nograd`
    /// its fields are read as data.
    pub strukt: bool,
}

impl FnParam {
    /// The type of the value: `f64` for `&f64`, else the type as written.
    /// A gradient entry has this type.
    pub fn value_ty(&self) -> &syn::Type {
        match (&self.ty, self.by_ref) {
            (syn::Type::Reference(r), true) => &r.elem,
            (ty, _) => ty,
        }
    }
}

/// The most parts a tuple parameter may have (the runtime's
/// `private::MAX_TUPLE`).
pub const MAX_TUPLE: usize = 8;

/// `(F, F, …)`: a tuple of one float type (at most [`MAX_TUPLE`] parts),
/// and its number of parts.
pub fn float_tuple(ty: &syn::Type) -> Option<(Float, usize)> {
    match ty {
        syn::Type::Tuple(t) if !t.elems.is_empty() && t.elems.len() <= MAX_TUPLE => {
            let mut float = None;
            for e in &t.elems {
                let (f, None) = float_of_type(e)? else {
                    return None;
                };
                if float.is_some_and(|g| g != f) {
                    return None;
                }
                float = Some(f);
            }
            float.map(|f| (f, t.elems.len()))
        }
        syn::Type::Paren(p) => float_tuple(&p.elem),
        syn::Type::Group(g) => float_tuple(&g.elem),
        _ => None,
    }
}

/// `&F` or `&[F; N]` (shared): the referenced type, when it is a float or
/// a fixed array of floats.
pub fn float_ref(ty: &syn::Type) -> Option<&syn::Type> {
    match ty {
        syn::Type::Reference(r) if r.mutability.is_none() => {
            float_of_type(&r.elem).map(|_| &*r.elem)
        }
        _ => None,
    }
}

/// The shape of a parameter of run-time length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Slice {
    /// `Some(n)` for rows of `n` values (`&[[F; n]]`), `None` for `&[F]`
    /// and `&Vec<F>`.
    pub row: Option<usize>,
}

impl Slice {
    /// The gradient type of a differentiable buffer, owned: `Vec<F>` or
    /// `Vec<[F; n]>`.
    pub fn element(self, float: Float) -> String {
        match self.row {
            None => float.name().to_string(),
            Some(n) => format!("[{}; {n}]", float.name()),
        }
    }
}

/// `&[F]`, `&Vec<F>` or `&[[F; N]]` (literal `N`): the float type and the shape.
pub fn slice_of_type(ty: &syn::Type) -> Option<(Float, Slice)> {
    let syn::Type::Reference(r) = ty else {
        return None;
    };
    if r.mutability.is_some() {
        return None;
    }
    let elem = match &*r.elem {
        syn::Type::Slice(s) => &*s.elem,
        syn::Type::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            let seg = &p.path.segments[0];
            let syn::PathArguments::AngleBracketed(a) = &seg.arguments else {
                return None;
            };
            match (seg.ident == "Vec", a.args.first(), a.args.len()) {
                (true, Some(syn::GenericArgument::Type(t)), 1) => t,
                _ => return None,
            }
        }
        syn::Type::Paren(p) => return slice_of_type(&p.elem),
        syn::Type::Group(g) => return slice_of_type(&g.elem),
        _ => return None,
    };
    match float_of_type(elem)? {
        (f, None) => Some((f, Slice { row: None })),
        (f, Some(n)) if matches!(elem, syn::Type::Array(_)) => Some((f, Slice { row: Some(n) })),
        _ => None,
    }
}

/// A user struct type: a plain path (`State`, `physics::State`) without
/// generic arguments that is not a float, an integer, `bool` or a std
/// container, or a shared reference to one. Returns the struct type.
pub fn struct_of_type(ty: &syn::Type) -> Option<&syn::Type> {
    const NOT_STRUCTS: &[&str] = &[
        "f32", "f64", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64",
        "u128", "usize", "bool", "char", "str", "String", "Vec", "Option", "Box",
    ];
    match ty {
        syn::Type::Reference(r) if r.mutability.is_none() => match &*r.elem {
            syn::Type::Reference(_) => None,
            elem => struct_of_type(elem),
        },
        syn::Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            let plain = p
                .path
                .segments
                .iter()
                .all(|s| matches!(s.arguments, syn::PathArguments::None));
            let upper = last
                .ident
                .to_string()
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_uppercase());
            (plain && upper && !NOT_STRUCTS.iter().any(|n| last.ident == n)).then_some(ty)
        }
        syn::Type::Paren(p) => struct_of_type(&p.elem),
        syn::Type::Group(g) => struct_of_type(&g.elem),
        _ => None,
    }
}

/// `&[S]` or `&Vec<S>` of a user struct `S`: the struct type.
pub fn struct_slice_of_type(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Reference(r) = ty else {
        return None;
    };
    if r.mutability.is_some() {
        return None;
    }
    let elem = match &*r.elem {
        syn::Type::Slice(s) => &*s.elem,
        syn::Type::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            let seg = &p.path.segments[0];
            let syn::PathArguments::AngleBracketed(a) = &seg.arguments else {
                return None;
            };
            match (seg.ident == "Vec", a.args.first(), a.args.len()) {
                (true, Some(syn::GenericArgument::Type(t)), 1) => t,
                _ => return None,
            }
        }
        _ => return None,
    };
    match elem {
        syn::Type::Path(_) => struct_of_type(elem),
        _ => None,
    }
}

/// `usize`.
pub fn is_usize(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) => p.qself.is_none() && p.path.is_ident("usize"),
        syn::Type::Paren(p) => is_usize(&p.elem),
        syn::Type::Group(g) => is_usize(&g.elem),
        _ => false,
    }
}

/// What the signature says: the float type and the parameters.
#[derive(Clone, Debug)]
pub struct Signature {
    /// The float type of every value.
    pub float: Float,
    /// The parameters, in order.
    pub params: Vec<FnParam>,
    /// A method or an associated function (`&self`, `self`, or naming
    /// `Self`): the generated items are associated items of the same
    /// `impl`, and callers reach its pullback as `__f_pullback`.
    pub assoc: bool,
    /// `None` for a scalar result, `Some(m)` for `[F; m]` (a function with
    /// a vector result gets `name_vjp`, `name_jvp` and `name_jacobian`).
    pub out_len: Option<usize>,
    /// The result `(F, …, F)` is a tuple of `out_len` floats, not an array.
    pub out_tuple: bool,
    /// A user struct result (`-> State`): its type. The body's value is a
    /// struct literal listing every field; the function gets `name_vjp`
    /// (the cotangent a value of the struct) and `name_jvp`.
    pub out_struct: Option<Box<syn::Type>>,
    /// `#[differentiable(checkpoint = k)]`: see [`crate::ir::Graph::checkpoint`].
    pub checkpoint: Option<usize>,
    /// `#[differentiable(record)]`: see [`crate::ir::Graph::record`].
    pub record: bool,
}

impl Signature {
    /// Whether a parameter is a user struct (so the float type comes from
    /// the return type).
    pub fn has_structs(&self) -> bool {
        self.params.iter().any(|p| p.strukt)
    }

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
                // a struct has as many elements as fields read, counted
                // while lowering
                len: if p.strukt && p.slice.is_none() {
                    Some(0)
                } else {
                    p.len
                },
                diff: !p.nograd,
                opaque: p.opaque,
                slice: p.slice,
                index: p.index,
                by_ref: p.by_ref,
                tuple: p.tuple,
                span: p.ident.span(),
                fields: p.strukt.then(Vec::new),
                struct_ty: p.strukt.then(|| {
                    Box::new(
                        struct_slice_of_type(&p.ty)
                            .unwrap_or_else(|| p.value_ty())
                            .clone(),
                    )
                }),
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
