//! The surface of `grad!`: a struct of layers, `fn forward`, `fn loss`.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;

use crate::ctxt::Ctxt;
use crate::parse::MAX_ELEMENTS;
use crate::types::{float_of_type, Float};

/// The message for a vector wider than [`MAX_ELEMENTS`].
fn too_wide() -> String {
    format!(
        "this is too wide for macrograd: a network's vectors have at most {MAX_ELEMENTS} elements"
    )
}

/// The macro's input as written.
pub struct ModelInput {
    /// `pub struct Mlp { l1: Linear<2, 16>, ... }`
    pub item: syn::ItemStruct,
    /// `fn forward(&self, x: [F; I]) -> [F; O] { ... }`
    pub forward: Option<syn::ItemFn>,
    /// `fn loss(out: [F; O], #[nograd] target: ...) -> F { ... }`
    pub loss: Option<syn::ItemFn>,
}

impl Parse for ModelInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let item: syn::ItemStruct = input.parse()?;
        let mut forward = None;
        let mut loss = None;
        while !input.is_empty() {
            let f: syn::ItemFn = input.parse()?;
            let slot = match f.sig.ident.to_string().as_str() {
                "forward" => &mut forward,
                "loss" => &mut loss,
                _ => {
                    return Err(syn::Error::new(
                        f.sig.ident.span(),
                        "a model has two functions: `fn forward(&self, x: [f64; IN]) -> [f64; OUT]` and `fn loss(out: [f64; OUT], #[nograd] target: ...) -> f64`",
                    ))
                }
            };
            if slot.is_some() {
                return Err(syn::Error::new(
                    f.sig.ident.span(),
                    format!("`{}` is defined twice", f.sig.ident),
                ));
            }
            *slot = Some(f);
        }
        Ok(ModelInput {
            item,
            forward,
            loss,
        })
    }
}

/// A layer of the model.
pub struct Layer {
    /// The field's attributes as written (its docs).
    pub attrs: Vec<syn::Attribute>,
    /// The field name, e.g. `l1`.
    pub name: syn::Ident,
    /// Inputs.
    pub input: usize,
    /// Outputs.
    pub output: usize,
}

/// What the checks established.
pub struct Checked {
    /// The float type.
    pub float: Float,
    /// The layers in declaration order.
    pub layers: Vec<Layer>,
    /// Every field name, including those whose layer type was rejected (so
    /// their uses are not reported a second time).
    pub fields: Vec<String>,
    /// The name of `forward`'s input.
    pub input_name: syn::Ident,
    /// Width of the input.
    pub input_width: usize,
    /// Width of the output (`forward`'s return type and `loss`'s first parameter).
    pub output_width: usize,
    /// `loss`'s other parameters (the targets): name and type.
    pub targets: Vec<(syn::Ident, syn::Type)>,
    /// Span of `forward`'s return type.
    pub ret_span: Span,
}

/// The layer rule: every field is `Linear<IN, OUT>` with literal sizes.
fn layer(field: &syn::Field, cx: &Ctxt) -> Option<Layer> {
    let name = field.ident.clone()?;
    let bad = || {
        cx.error_spanned_by(
            &field.ty,
            "unknown layer type: a model's fields are layers, `Linear<IN, OUT>` with integer literal sizes",
        )
    };
    let syn::Type::Path(p) = &field.ty else {
        bad();
        return None;
    };
    let seg = p.path.segments.last()?;
    if seg.ident != "Linear" {
        bad();
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        bad();
        return None;
    };
    if let Some(wide) = args.args.iter().find(|a| {
        matches!(a, syn::GenericArgument::Const(e)
            if crate::types::literal_usize(e).is_some_and(|n| n > MAX_ELEMENTS))
    }) {
        cx.error_spanned_by(wide, too_wide());
        return None;
    }
    let sizes: Vec<Option<usize>> = args
        .args
        .iter()
        .map(|a| match a {
            syn::GenericArgument::Const(e) => crate::types::literal_usize(e),
            _ => None,
        })
        .collect();
    match sizes.as_slice() {
        [Some(i), Some(o)] if *i > 0 && *o > 0 => Some(Layer {
            attrs: field.attrs.clone(),
            name,
            input: *i,
            output: *o,
        }),
        _ => {
            cx.error_spanned_by(
                &seg.arguments,
                "write the sizes as positive integer literals: `Linear<2, 16>`",
            );
            None
        }
    }
}

/// Checks the declaration and the two signatures.
pub fn check(m: &ModelInput, cx: &Ctxt) -> Option<Checked> {
    if !m.item.generics.params.is_empty() {
        cx.error_spanned_by(
            &m.item.generics,
            "a model cannot be generic: its sizes and float type are fixed",
        );
    }
    let layers: Vec<Layer> = match &m.item.fields {
        syn::Fields::Named(f) => f.named.iter().filter_map(|f| layer(f, cx)).collect(),
        other => {
            cx.error_spanned_by(
                other,
                "declare the layers as named fields: `l1: Linear<2, 16>`",
            );
            Vec::new()
        }
    };
    let Some(forward) = &m.forward else {
        cx.error_spanned_by(
            &m.item.ident,
            "the model needs `fn forward(&self, x: [f64; IN]) -> [f64; OUT]`",
        );
        return None;
    };
    let Some(loss) = &m.loss else {
        cx.error_spanned_by(
            &m.item.ident,
            "the model needs `fn loss(out: [f64; OUT], #[nograd] target: f64) -> f64`: the training objective for one sample",
        );
        return None;
    };
    let mut inputs = forward.sig.inputs.iter();
    match inputs.next() {
        Some(syn::FnArg::Receiver(r)) if r.reference.is_some() && r.mutability.is_none() => {}
        _ => cx.error_spanned_by(&forward.sig.inputs, "`forward` takes `&self` first"),
    }
    let (input_name, in_ty) = match (inputs.next(), inputs.next()) {
        (Some(syn::FnArg::Typed(pt)), None) => match &*pt.pat {
            syn::Pat::Ident(id) => (id.ident.clone(), (*pt.ty).clone()),
            other => {
                cx.error_spanned_by(other, "name the input: `x: [f64; 2]`");
                return None;
            }
        },
        _ => {
            cx.error_spanned_by(
                &forward.sig.inputs,
                "`forward` takes `&self` and one input array: `x: [f64; 2]`",
            );
            return None;
        }
    };
    let Some((float, Some(input_width))) = float_of_type(&in_ty) else {
        cx.error_spanned_by(
            &in_ty,
            "the input is an array of `f32` or `f64`: `[f64; 2]`",
        );
        return None;
    };
    if input_width > MAX_ELEMENTS {
        cx.error_spanned_by(crate::parse::array_len(&in_ty), too_wide());
        return None;
    }
    let (ret_span, output_width) = match &forward.sig.output {
        syn::ReturnType::Type(_, ty) => match float_of_type(ty) {
            Some((f, Some(n))) if f == float && n > MAX_ELEMENTS => {
                cx.error_spanned_by(crate::parse::array_len(ty), too_wide());
                return None;
            }
            Some((f, Some(n))) if f == float => (ty.span(), n),
            _ => {
                cx.error_spanned_by(
                    ty,
                    format!(
                        "`forward` returns an array of `{}`: `[{}; OUT]`",
                        float.name(),
                        float.name()
                    ),
                );
                return None;
            }
        },
        syn::ReturnType::Default => {
            cx.error_spanned_by(
                &forward.sig.ident,
                "`forward` returns the output array: add `-> [f64; OUT]`",
            );
            return None;
        }
    };
    let targets = check_loss(loss, float, output_width, cx)?;
    let fields = m
        .item
        .fields
        .iter()
        .filter_map(|f| f.ident.as_ref().map(|i| i.to_string()))
        .collect();
    Some(Checked {
        float,
        layers,
        fields,
        input_name,
        input_width,
        output_width,
        targets,
        ret_span,
    })
}

/// The loss rule: the first parameter is the output (`[F; OUT]`, the only
/// differentiable one), the others are `#[nograd]` targets.
fn check_loss(
    loss: &syn::ItemFn,
    float: Float,
    width: usize,
    cx: &Ctxt,
) -> Option<Vec<(syn::Ident, syn::Type)>> {
    let mut params = loss.sig.inputs.iter();
    match params.next() {
        Some(syn::FnArg::Typed(pt)) => match float_of_type(&pt.ty) {
            Some((f, Some(n))) if f == float && n == width => {}
            _ => cx.error_spanned_by(
                &pt.ty,
                format!(
                    "the loss's first parameter is the network's output: `[{}; {width}]`",
                    float.name()
                ),
            ),
        },
        _ => {
            cx.error_spanned_by(
                &loss.sig,
                format!(
                    "`loss` takes the output first: `out: [{}; {width}]`",
                    float.name()
                ),
            );
            return None;
        }
    }
    let mut targets = Vec::new();
    for p in params {
        let syn::FnArg::Typed(pt) = p else { continue };
        if !pt
            .attrs
            .iter()
            .any(|a| a.path().is_ident(crate::parse::NOGRAD))
        {
            cx.error_spanned_by(
                &pt.pat,
                "the loss's targets are inputs, not parameters: mark them `#[nograd]`",
            );
        }
        match &*pt.pat {
            syn::Pat::Ident(id) => targets.push((id.ident.clone(), (*pt.ty).clone())),
            other => cx.error_spanned_by(other, "name the target: `y: f64`"),
        }
    }
    Some(targets)
}
