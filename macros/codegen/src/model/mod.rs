//! `grad!`: a network declared once; forward and backward written at
//! compile time.
//!
//! The layers (fixed sizes) and `forward` are read into a small graph of
//! vector operations (`lower`) whose widths are checked here, at expansion
//! time, so a mismatch is an error on the offending span. `loss`, a scalar
//! function of the network's output, goes through the ordinary `#[differentiable]`
//! pipeline; so does every elementwise activation, so their derivatives
//! come from the one rules table. `emit` writes the struct, its `Params`
//! impl and the forward / backward passes as per-sample code over
//! fixed-size arrays, calling the runtime's layer kernels.

mod batch;
mod emit;
mod lower;
mod parse;

use proc_macro2::TokenStream;

use crate::ctxt::Ctxt;

/// Expands `grad! { ... }`.
pub fn expand_model(input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let model = match syn::parse2::<parse::ModelInput>(input) {
        Ok(m) => m,
        Err(e) => return e.into_compile_error(),
    };
    let checked = parse::check(&model, &cx);
    let graph = checked
        .as_ref()
        .and_then(|c| lower::lower_forward(&model, c, &cx));
    match (cx.check(), checked, graph) {
        (Ok(()), Some(c), Some(g)) => emit::model(&model, &c, &g),
        (Err(e), _, _) => {
            let errors = e.into_compile_error();
            let stub = emit::stub(&model);
            quote::quote!(#errors #stub)
        }
        (Ok(()), _, _) => unreachable!("checks return None only after recording an error"),
    }
}
