//! The arguments of `#[differentiable(...)]`.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};

/// What `#[differentiable(...)]` was given.
#[derive(Clone, Debug, Default)]
pub struct GradArgs {
    /// `custom = path`: the user's own gradient function for this one; the
    /// body is then not differentiated.
    pub custom: Option<syn::Path>,
}

/// The keyword of the custom-derivative argument.
pub const CUSTOM: &str = "custom";

impl Parse for GradArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = GradArgs::default();
        while !input.is_empty() {
            let key: syn::Ident = input.parse()?;
            if key != CUSTOM {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "unsupported argument `{key}`: `#[differentiable]` takes no arguments, or `custom = path_to_gradient_fn`"
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
