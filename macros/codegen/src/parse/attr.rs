//! The arguments of `#[differentiable(...)]`.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};

pub use crate::types::Mode;

/// What `#[differentiable(...)]` was given.
#[derive(Clone, Debug, Default)]
pub struct GradArgs {
    /// `custom = path`: the user's own gradient function for this one; the
    /// body is then not differentiated.
    pub custom: Option<syn::Path>,
    /// `hessian`: also `name_hessian` and `name_hvp`.
    pub hessian: Option<syn::Ident>,
    /// `hvp`: also `name_hvp` (and `name_hvp_into` beside a differentiable
    /// slice), without the full Hessian.
    pub hvp: Option<syn::Ident>,
    /// `mode = forward | reverse`: overrides the cost model for `name_grad`.
    pub mode: Option<(Mode, syn::Ident)>,
    /// `checkpoint = k`: the reverse sweep of a run-time loop keeps its
    /// state every `k` iterations and recomputes the iterations between.
    pub checkpoint: Option<usize>,
    /// `record`: the reverse sweep of a run-time loop reads each
    /// iteration's transcendental values (`exp`, `ln`, `sin`, …) from a
    /// tape the forward loop writes, instead of recomputing them.
    pub record: Option<syn::Ident>,
}

/// The keyword of the checkpointing argument.
pub const CHECKPOINT: &str = "checkpoint";

/// The keyword asking loops to record their transcendental values.
pub const RECORD: &str = "record";

/// The keyword of the custom-derivative argument.
pub const CUSTOM: &str = "custom";
/// The keyword asking for second derivatives.
pub const HESSIAN: &str = "hessian";
/// The keyword asking for Hessian-vector products alone.
pub const HVP: &str = "hvp";
/// The keyword choosing the sweep.
pub const MODE: &str = "mode";

const ARGS: &str = "`#[differentiable]` takes `custom = path_to_gradient_fn`, `checkpoint = k`, `record`, `hessian`, `hvp` or `mode = forward | reverse`";

impl Parse for GradArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = GradArgs::default();
        while !input.is_empty() {
            let key: syn::Ident = input.parse()?;
            let twice = || syn::Error::new(key.span(), format!("`{key}` is given twice"));
            if key == CHECKPOINT {
                args.checkpoint = Some(parse_checkpoint(input, &key, args.checkpoint)?);
            } else if key == RECORD {
                if args.record.is_some() {
                    return Err(twice());
                }
                args.record = Some(key);
            } else if key == HESSIAN {
                if args.hessian.is_some() {
                    return Err(twice());
                }
                args.hessian = Some(key);
            } else if key == HVP {
                if args.hvp.is_some() {
                    return Err(twice());
                }
                args.hvp = Some(key);
            } else if key == MODE {
                if args.mode.is_some() {
                    return Err(twice());
                }
                if !input.peek(syn::Token![=]) {
                    return Err(syn::Error::new(
                        key.span(),
                        "`mode` needs a sweep: `#[differentiable(mode = forward)]` or `#[differentiable(mode = reverse)]`",
                    ));
                }
                input.parse::<syn::Token![=]>()?;
                let m: syn::Ident = input.parse()?;
                let mode = if m == "forward" {
                    Mode::Forward
                } else if m == "reverse" {
                    Mode::Reverse
                } else {
                    return Err(syn::Error::new(
                        m.span(),
                        format!("unknown mode `{m}`: write `mode = forward` or `mode = reverse`"),
                    ));
                };
                args.mode = Some((mode, m));
            } else if key == CUSTOM {
                if args.custom.is_some() {
                    return Err(twice());
                }
                if !input.peek(syn::Token![=]) {
                    return Err(syn::Error::new(
                        key.span(),
                        "`custom` needs the path of your gradient function: `#[differentiable(custom = my_fn_grad)]`",
                    ));
                }
                input.parse::<syn::Token![=]>()?;
                args.custom = Some(input.parse()?);
            } else {
                return Err(syn::Error::new(
                    key.span(),
                    format!("unsupported argument `{key}`: {ARGS}"),
                ));
            }
            if !input.is_empty() {
                input.parse::<syn::Token![,]>()?;
            }
        }
        Ok(args)
    }
}

/// Parses the attribute's argument tokens.
pub fn parse_attr_args(tokens: TokenStream) -> syn::Result<GradArgs> {
    syn::parse2(tokens)
}

/// `= k` after `checkpoint`: a whole number of iterations, at least 1.
fn parse_checkpoint(
    input: ParseStream<'_>,
    key: &syn::Ident,
    before: Option<usize>,
) -> syn::Result<usize> {
    if before.is_some() {
        return Err(syn::Error::new(key.span(), "`checkpoint` is given twice"));
    }
    let wanted = "`checkpoint` needs the number of iterations between kept states: `#[differentiable(checkpoint = 64)]`";
    if !input.peek(syn::Token![=]) {
        return Err(syn::Error::new(key.span(), wanted));
    }
    input.parse::<syn::Token![=]>()?;
    let lit: syn::LitInt = input
        .parse()
        .map_err(|e| syn::Error::new(e.span(), wanted))?;
    match lit.base10_parse::<usize>() {
        Ok(k) if k >= 1 => Ok(k),
        _ => Err(syn::Error::new(lit.span(), wanted)),
    }
}
