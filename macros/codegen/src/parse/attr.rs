//! The arguments of `#[differentiable(...)]`.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};

/// What `#[differentiable(...)]` was given.
#[derive(Clone, Debug, Default)]
pub struct GradArgs {
    /// `custom = path`: the user's own gradient function for this one; the
    /// body is then not differentiated.
    pub custom: Option<syn::Path>,
    /// `checkpoint = k`: the reverse sweep of a run-time loop keeps its
    /// state every `k` iterations and recomputes the iterations between.
    pub checkpoint: Option<usize>,
}

/// The keyword of the checkpointing argument.
pub const CHECKPOINT: &str = "checkpoint";

/// The keyword of the custom-derivative argument.
pub const CUSTOM: &str = "custom";

impl Parse for GradArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = GradArgs::default();
        while !input.is_empty() {
            let key: syn::Ident = input.parse()?;
            if key == CHECKPOINT {
                args.checkpoint = Some(parse_checkpoint(input, &key, args.checkpoint)?);
                if !input.is_empty() {
                    input.parse::<syn::Token![,]>()?;
                }
                continue;
            }
            if key != CUSTOM {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "unsupported argument `{key}`: `#[differentiable]` takes no arguments, \
                         `custom = path_to_gradient_fn`, or `checkpoint = k`"
                    ),
                ));
            }
            if args.custom.is_some() {
                return Err(syn::Error::new(key.span(), "`custom` is given twice"));
            }
            if !input.peek(syn::Token![=]) {
                return Err(syn::Error::new(
                    key.span(),
                    "`custom` needs the path of your gradient function: `#[differentiable(custom = my_fn_grad)]`",
                ));
            }
            input.parse::<syn::Token![=]>()?;
            args.custom = Some(input.parse()?);
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
