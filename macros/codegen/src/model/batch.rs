//! The batched training pass: whole-batch matrix products for the layers
//! (through the runtime's GEMM), elementwise loops over the batch, and a
//! workspace of buffers that is allocated once and reused across steps.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::lower::{VGraph, VOp};
use super::parse::Checked;

/// The buffers one node needs: its value, the local derivatives its
/// backward pass reads, and its adjoint.
fn buffers(g: &VGraph, names: &[syn::Ident]) -> Vec<(syn::Ident, usize)> {
    let mut out = Vec::new();
    for (k, n) in g.nodes.iter().enumerate().skip(1) {
        let v = &names[k];
        out.push((v.clone(), n.width));
        match n.op {
            VOp::Map(..) => out.push((format_ident!("{}_d", v), n.width)),
            VOp::Zip(..) => {
                out.push((format_ident!("{}_da", v), n.width));
                out.push((format_ident!("{}_db", v), n.width));
            }
            _ => {}
        }
        out.push((format_ident!("d_{}", v), n.width));
    }
    out
}

/// The workspace struct and the `batch_backward_gemm` method.
pub struct BatchItems {
    /// `struct NameWorkspace` and its impl.
    pub workspace: TokenStream,
    /// The method, to go in the model's impl block.
    pub method: TokenStream,
}

/// Writes the batched pass; `fns[k]` names node `k`'s elementwise function
/// in the hidden module `parts`.
#[allow(clippy::too_many_arguments)]
pub fn batch_items(
    model: &syn::Ident,
    vis: &syn::Visibility,
    g: &VGraph,
    c: &Checked,
    names: &[syn::Ident],
    fns: &[syn::Ident],
    parts: &syn::Ident,
    float: &syn::Ident,
    batch_ty: &TokenStream,
    batch_pat: &TokenStream,
) -> BatchItems {
    let ws = format_ident!("{}Workspace", model);
    let bufs = buffers(g, names);
    let fields: Vec<&syn::Ident> = bufs.iter().map(|b| &b.0).collect();
    let widths: Vec<usize> = bufs.iter().map(|b| b.1).collect();
    let doc = format!(" Buffers for [`{model}::batch_backward_gemm`]: allocated on first use, grown when a larger batch comes, then reused.");
    let workspace = quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, Default)]
        #vis struct #ws {
            rows: usize,
            #(#fields: ::std::vec::Vec<#float>,)*
        }

        impl #ws {
            /// An empty workspace.
            pub fn new() -> Self {
                Self::default()
            }

            fn ensure(&mut self, rows: usize) {
                if self.rows < rows {
                    self.rows = rows;
                    #(self.#fields.resize(rows * #widths, 0.0);)*
                }
            }
        }
    };

    let (iw, ow) = (c.input_width, c.output_width);
    let out = names.last().expect("a graph has an output");
    let d_out = format_ident!("d_{}", out);
    let targets: Vec<&syn::Ident> = c.targets.iter().map(|t| &t.0).collect();
    let input = |k: usize| -> TokenStream {
        if k == 0 {
            quote!(x)
        } else {
            let (v, w) = (&names[k], g.nodes[k].width);
            quote!(ws.#v[..n * #w])
        }
    };
    let mut forward = Vec::new();
    for (k, node) in g.nodes.iter().enumerate().skip(1) {
        let v = &names[k];
        let w = node.width;
        let fg = format_ident!("{}_grad", fns[k]);
        forward.push(match &node.op {
            VOp::Input => continue,
            VOp::Linear(l, x) => {
                let layer = &c.layers[*l].name;
                let xin = input(*x);
                quote!(self.#layer.forward_batch(&#xin, &mut ws.#v[..n * #w]);)
            }
            VOp::Map(_, x, _) => {
                let xin = input(*x);
                let vd = format_ident!("{}_d", v);
                quote! {
                    for ((&a, y), dy) in #xin.iter().zip(&mut ws.#v[..n * #w]).zip(&mut ws.#vd[..n * #w]) {
                        (*y, *dy) = #parts::#fg(a);
                    }
                }
            }
            VOp::Zip(_, a, b) => {
                let (ain, bin) = (input(*a), input(*b));
                let (da, db) = (format_ident!("{}_da", v), format_ident!("{}_db", v));
                quote! {
                    for i in 0..n * #w {
                        let (y, (ga, gb)) = #parts::#fg(#ain[i], #bin[i]);
                        ws.#v[i] = y;
                        ws.#da[i] = ga;
                        ws.#db[i] = gb;
                    }
                }
            }
            VOp::Softmax(x, log) => {
                let xin = input(*x);
                let kernel = super::emit::softmax_kernel(*log, false);
                quote! {
                    for (xr, yr) in #xin.chunks_exact(#w).zip(ws.#v[..n * #w].chunks_exact_mut(#w)) {
                        ::macrograd::nn::#kernel(xr, yr);
                    }
                }
            }
        });
    }
    // Backward, last node first. The first contribution to an adjoint or a
    // layer's gradient overwrites it and later ones add, so nothing is
    // zeroed beforehand; the loss adjoints carry the 1/n of the mean.
    let mut written = vec![false; g.nodes.len()];
    let mut layer_written = vec![false; c.layers.len()];
    let write_mode = |done: &mut bool| {
        let first = !*done;
        *done = true;
        if first {
            quote!(::macrograd::nn::Write::Overwrite)
        } else {
            quote!(::macrograd::nn::Write::Accumulate)
        }
    };
    let mut backward = Vec::new();
    for k in (1..g.nodes.len()).rev() {
        let v = &names[k];
        let dk = format_ident!("d_{}", v);
        let w = g.nodes[k].width;
        match &g.nodes[k].op {
            VOp::Input => {}
            VOp::Linear(l, x) => {
                let layer = &c.layers[*l].name;
                let xin = input(*x);
                let gw = write_mode(&mut layer_written[*l]);
                let dx = if *x == 0 {
                    quote!(None)
                } else {
                    let dxn = format_ident!("d_{}", names[*x]);
                    let xw = g.nodes[*x].width;
                    let mode = write_mode(&mut written[*x]);
                    quote!(Some((&mut ws.#dxn[..n * #xw], #mode)))
                };
                backward.push(quote!(self.#layer.backward_batch(&#xin, &ws.#dk[..n * #w], &mut grad.#layer, #gw, #dx);));
            }
            VOp::Map(_, x, _) if *x != 0 => {
                let (dx, vd) = (format_ident!("d_{}", names[*x]), format_ident!("{}_d", v));
                let op = if std::mem::replace(&mut written[*x], true) {
                    quote!(+=)
                } else {
                    quote!(=)
                };
                backward.push(quote! {
                    for ((dx, &d), &s) in ws.#dx[..n * #w].iter_mut().zip(&ws.#dk[..n * #w]).zip(&ws.#vd[..n * #w]) {
                        *dx #op d * s;
                    }
                });
            }
            VOp::Zip(_, a, b) => {
                let (da, db) = (format_ident!("{}_da", v), format_ident!("{}_db", v));
                for (x, s) in [(*a, da), (*b, db)] {
                    if x != 0 {
                        let dx = format_ident!("d_{}", names[x]);
                        let op = if std::mem::replace(&mut written[x], true) {
                            quote!(+=)
                        } else {
                            quote!(=)
                        };
                        backward.push(quote! {
                            for ((dx, &d), &s) in ws.#dx[..n * #w].iter_mut().zip(&ws.#dk[..n * #w]).zip(&ws.#s[..n * #w]) {
                                *dx #op d * s;
                            }
                        });
                    }
                }
            }
            VOp::Softmax(x, log) if *x != 0 => {
                let dx = format_ident!("d_{}", names[*x]);
                let kernel = super::emit::softmax_kernel(*log, true);
                let mode = write_mode(&mut written[*x]);
                backward.push(quote! {
                    for ((yr, dyr), dxr) in ws.#v[..n * #w]
                        .chunks_exact(#w)
                        .zip(ws.#dk[..n * #w].chunks_exact(#w))
                        .zip(ws.#dx[..n * #w].chunks_exact_mut(#w))
                    {
                        ::macrograd::nn::#kernel(yr, dyr, dxr, #mode);
                    }
                });
            }
            VOp::Map(..) | VOp::Softmax(..) => {}
        }
    }
    // a value nobody used backwards still has its buffer read by nobody;
    // a layer that forward never called gets a zero gradient
    let unused_layers: Vec<&syn::Ident> = c
        .layers
        .iter()
        .zip(&layer_written)
        .filter(|(_, w)| !**w)
        .map(|(l, _)| &l.name)
        .collect();
    let mdoc = format!(
        " The mean loss over a batch; `grad` is **overwritten** with the mean gradient. The batched pass: each layer is one matrix product over the whole batch (fastest for large layers; [`{model}::batch_backward`] loops over samples instead and suits small ones). Allocates only when `ws` must grow."
    );
    let method = quote! {
        #[doc = #mdoc]
        ///
        /// # Errors
        ///
        /// [`macrograd::Error::EmptyBatch`] for an empty batch,
        /// [`macrograd::Error::BatchLength`] if `xs` and `ys` differ in
        /// length; `grad` is then unchanged.
        pub fn batch_backward_gemm(&self, ws: &mut #ws, xs: &[[#float; #iw]], ys: &[#batch_ty], grad: &mut Self) -> ::macrograd::Result<#float> {
            ::macrograd::nn::check_batch("batch_backward_gemm", xs.len(), ys.len())?;
            let n = xs.len();
            ws.ensure(n);
            let x = xs.as_flattened();
            #(#forward)*
            let scale = 1.0 / n as #float;
            let mut total = 0.0;
            for (r, y) in ys.iter().enumerate() {
                let row: [#float; #ow] = ws.#out[r * #ow..(r + 1) * #ow].try_into().expect("a row holds the output");
                let #batch_pat = *y;
                let (value, d_row) = #parts::loss_grad(row, #(#targets),*);
                total += value;
                for (d, g) in ws.#d_out[r * #ow..(r + 1) * #ow].iter_mut().zip(d_row) {
                    *d = g * scale;
                }
            }
            #(#backward)*
            #(::macrograd::params::zero(&mut grad.#unused_layers);)*
            Ok(total * scale)
        }
    };
    BatchItems { workspace, method }
}
