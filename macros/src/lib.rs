//! Entry points of macrograd's macros; the work is done in `macrograd-codegen`.
use proc_macro::TokenStream;

/// Attribute.
#[proc_macro_attribute]
pub fn grad(attr: TokenStream, item: TokenStream) -> TokenStream {
    let _ = attr;
    item
}

/// Bang.
#[proc_macro]
pub fn gradient(input: TokenStream) -> TokenStream {
    input
}
