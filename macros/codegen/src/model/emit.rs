//! Writes a model: the struct, its `Params` and `train::Network` impls, and
//! `forward`, `loss`, `backward_add` (one sample, adds into the gradient),
//! `batch_loss` and `batch_backward` (mean over a batch, overwrites it).
//!
//! Generated code is per-sample loops over fixed-size arrays; every
//! elementwise derivative comes from a scalar function differentiated by the
//! `#[differentiable]` pipeline and emitted into a hidden module beside the model.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};

use super::lower::{VGraph, VOp};
use super::parse::{Checked, ModelInput};
use crate::rules::{Prim, Syntax};

/// Names of the values of the forward graph.
/// (A clash gets the next free suffix of its base, `h_1`, `h_2` …, found in
/// amortised constant time: 5,000 layers all binding `h` stay linear.)
fn value_names(g: &VGraph) -> Vec<syn::Ident> {
    let mut taken: HashSet<String> = HashSet::new();
    let mut next: HashMap<String, usize> = HashMap::new();
    g.nodes
        .iter()
        .enumerate()
        .map(|(k, n)| {
            let base = n.name.clone().unwrap_or_else(|| format!("v{k}"));
            let mut name = base.clone();
            let i = next.entry(base.clone()).or_insert(1);
            while taken.contains(&name) {
                name = format!("{base}_{i}");
                *i += 1;
            }
            taken.insert(name.clone());
            crate::emit::names::ident(&name, Span::call_site())
        })
        .collect()
}

/// The scalar function behind an elementwise node, as a `#[differentiable]` item.
fn scalar_fn(name: &syn::Ident, op: &VOp, float: &syn::Ident) -> TokenStream {
    match op {
        VOp::Map(p, _, consts) => {
            let extra = consts.iter().map(|c| {
                let lit = proc_macro2::Literal::f64_unsuffixed(*c);
                quote!(#lit)
            });
            let call = match p.syntax() {
                Syntax::Method(m) => {
                    let m = syn::Ident::new(m, Span::call_site());
                    quote!(a.#m(#(#extra),*))
                }
                Syntax::OpsFn(f) | Syntax::Internal(f) => {
                    let f = syn::Ident::new(f, Span::call_site());
                    quote!(#f(a #(, #extra)*))
                }
                Syntax::Infix(_) | Syntax::Prefix(_) => quote!(-a),
            };
            quote! { pub(super) fn #name(a: #float) -> #float { #call } }
        }
        VOp::Zip(p, _, _) => {
            let op: TokenStream = match p {
                Prim::Add => quote!(+),
                Prim::Sub => quote!(-),
                Prim::Mul => quote!(*),
                _ => quote!(/),
            };
            quote! { pub(super) fn #name(a: #float, b: #float) -> #float { a #op b } }
        }
        VOp::Input | VOp::Linear(..) | VOp::Softmax(..) => TokenStream::new(),
    }
}

/// The model's items.
pub fn model(m: &ModelInput, c: &Checked, g: &VGraph) -> TokenStream {
    let item = &m.item;
    let name = &item.ident;
    let vis = &item.vis;
    let attrs = &item.attrs;
    let float = syn::Ident::new(c.float.name(), Span::call_site());
    let parts = format_ident!("__macrograd_{}", name.to_string().to_lowercase());
    let (iw, ow) = (c.input_width, c.output_width);

    let fields = c.layers.iter().map(|l| {
        let (n, i, o) = (&l.name, l.input, l.output);
        let doc = format!(" Layer `{n}`: {i} inputs, {o} outputs.");
        let attrs = if l.attrs.is_empty() {
            quote!(#[doc = #doc])
        } else {
            let a = &l.attrs;
            quote!(#(#a)*)
        };
        quote!(#attrs pub #n: ::macrograd::nn::Linear<#float, #i, #o>)
    });
    let field_list: Vec<TokenStream> = fields.collect();
    let struct_tokens = quote! { #(#attrs)* #[derive(Clone, Debug, PartialEq)] #vis struct #name { #(#field_list,)* } };
    let params_impl =
        crate::derive_params::expand_derive_params(quote! { struct #name { #(#field_list,)* } });
    let zero_fields = c.layers.iter().map(|l| {
        let n = &l.name;
        quote!(#n: ::macrograd::nn::Linear::zeros())
    });

    // hidden module: the loss and the elementwise functions, through #[differentiable]
    let mut hidden = Vec::new();
    let mut loss = m.loss.clone().expect("checked");
    loss.vis = syn::parse_quote!(pub(super));
    hidden.push(crate::expand_differentiable(
        TokenStream::new(),
        quote!(#loss),
    ));
    let fn_names: Vec<syn::Ident> = (0..g.nodes.len())
        .map(|k| format_ident!("elementwise_{}", k))
        .collect();
    for (k, n) in g.nodes.iter().enumerate() {
        let f = scalar_fn(&fn_names[k], &n.op, &float);
        if !f.is_empty() {
            hidden.push(crate::expand_differentiable(TokenStream::new(), f));
        }
    }

    let names = value_names(g);
    let input = &names[0];
    let out = names.last().expect("a graph has an output");
    let forward_stmts = forward_statements(g, c, &names, &fn_names, &parts, &float, false);
    let backward_fwd = forward_statements(g, c, &names, &fn_names, &parts, &float, true);
    let backward_stmts = backward_statements(g, c, &names, &float, &fn_names, &parts);

    let target_names: Vec<&syn::Ident> = c.targets.iter().map(|t| &t.0).collect();
    let target_tys: Vec<&syn::Type> = c.targets.iter().map(|t| &t.1).collect();
    let target_params = quote!(#(#target_names: #target_tys),*);
    let (batch_ty, batch_pat) = if target_tys.len() == 1 {
        let (t, n) = (target_tys[0], target_names[0]);
        (quote!(#t), quote!(#n))
    } else {
        (quote!((#(#target_tys),*)), quote!((#(#target_names),*)))
    };
    let d_out = format_ident!("d_{}", out);
    let batch = super::batch::batch_items(
        name, vis, g, c, &names, &fn_names, &parts, &float, &batch_ty, &batch_pat,
    );
    let workspace = &batch.workspace;
    let batch_method = &batch.method;
    let doc_backward = " Loss of one sample, and its gradient **added** into `grad` (`grad += ∂loss/∂params`): for summing samples by hand. The `batch_*` methods overwrite instead.\n\n Generated by macrograd's `grad!`: the forward pass keeping what the backward pass needs, then the layers in reverse.";
    let network_impl = network_impl(name, c, &float, &batch_ty);
    quote! {
        #struct_tokens
        #params_impl
        #workspace
        #network_impl

        #[doc(hidden)]
        #[allow(clippy::all, unused_parens, unused_variables, dead_code)]
        mod #parts {
            use super::*;
            #[allow(unused_imports)]
            use ::macrograd::losses::*;
            #[allow(unused_imports)]
            use ::macrograd::ops::*;
            #(#hidden)*
        }

        #[allow(clippy::all, unused_parens, unused_variables, unused_mut)]
        impl #name {
            /// A model with every parameter zero; also an empty gradient buffer.
            pub fn zeros() -> Self {
                #name { #(#zero_fields,)* }
            }

            /// The network's output for one input.
            pub fn forward(&self, #input: [#float; #iw]) -> [#float; #ow] {
                #(#forward_stmts)*
                #out
            }

            /// The loss of one sample.
            pub fn loss(&self, #input: [#float; #iw], #target_params) -> #float {
                #parts::loss(self.forward(#input), #(#target_names),*)
            }

            #[doc = #doc_backward]
            #[inline]
            pub fn backward_add(&self, #input: [#float; #iw], #target_params, grad: &mut Self) -> #float {
                self.backward_scaled(#input, #(#target_names,)* grad, 1.0)
            }

            /// [`Self::backward_add`] with the loss's adjoint multiplied by
            /// `scale` (a batch mean's `1/n`, folded in rather than applied
            /// to the summed gradient afterwards).
            #[inline]
            fn backward_scaled(&self, #input: [#float; #iw], #target_params, grad: &mut Self, scale: #float) -> #float {
                #(#backward_fwd)*
                let (value, mut #d_out) = #parts::loss_grad(#out, #(#target_names),*);
                // a sample the loss no longer pulls on (a hinge past its
                // margin) contributes nothing: skip its backward pass
                if #d_out.iter().all(|&d| d == 0.0) {
                    return value;
                }
                for d in #d_out.iter_mut() {
                    *d *= scale;
                }
                #(#backward_stmts)*
                value
            }

            /// The mean loss over a batch, without a backward pass (for
            /// validation and evaluation).
            ///
            /// # Errors
            ///
            /// [`macrograd::Error::EmptyBatch`] for an empty batch,
            /// [`macrograd::Error::BatchLength`] if `xs` and `ys` differ in length.
            pub fn batch_loss(&self, xs: &[[#float; #iw]], ys: &[#batch_ty]) -> ::macrograd::Result<#float> {
                ::macrograd::nn::check_batch("batch_loss", xs.len(), ys.len())?;
                let mut total = 0.0;
                for (x, y) in xs.iter().zip(ys) {
                    let #batch_pat = *y;
                    total += self.loss(*x, #(#target_names),*);
                }
                Ok(total / xs.len() as #float)
            }

            /// The mean loss over a batch; `grad` is **overwritten** with the
            /// mean gradient (its previous contents do not matter: it is
            /// only a reused buffer). Sample by sample, for small layers.
            ///
            /// # Errors
            ///
            /// [`macrograd::Error::EmptyBatch`] for an empty batch (the mean
            /// of nothing is not a number), [`macrograd::Error::BatchLength`]
            /// if `xs` and `ys` differ in length; `grad` is then unchanged.
            pub fn batch_backward(&self, xs: &[[#float; #iw]], ys: &[#batch_ty], grad: &mut Self) -> ::macrograd::Result<#float> {
                ::macrograd::nn::check_batch("batch_backward", xs.len(), ys.len())?;
                ::macrograd::params::zero(grad);
                let scale = 1.0 / xs.len() as #float;
                let mut total = 0.0;
                for (x, y) in xs.iter().zip(ys) {
                    let #batch_pat = *y;
                    total += self.backward_scaled(*x, #(#target_names,)* grad, scale);
                }
                Ok(total * scale)
            }

            /// As [`Self::batch_backward`] (overwrites `grad`, same errors),
            /// on all cores when `macrograd`'s `rayon` feature is on (same
            /// result up to rounding), in order otherwise.
            pub fn batch_backward_par(&self, xs: &[[#float; #iw]], ys: &[#batch_ty], grad: &mut Self) -> ::macrograd::Result<#float> {
                ::macrograd::nn::par_batch_backward(self, xs, ys, grad, |m, x, y, g| {
                    let #batch_pat = y;
                    m.backward_add(x, #(#target_names,)* g)
                })
            }

            #batch_method
        }
    }
}

/// Layers with at least this many weights are faster as one matrix product
/// over the batch than as per-sample loops (784×128 is; 16×16 and 32×32 are
/// not), so a network with one trains through `batch_backward_gemm`.
const GEMM_WEIGHTS: usize = 64 * 64;

/// `impl macrograd::train::Network`: what the runtime's training loop calls.
/// Expands to (for a network without a layer of [`GEMM_WEIGHTS`] weights)
///
/// ```ignore
/// impl Network for Mlp {
///     type Input = [f32; 2]; type Target = f32; type Workspace = MlpWorkspace;
///     fn zeros() -> Self { Mlp::zeros() }
///     fn batch_loss(&self, xs, ys) -> Result<f32> { Mlp::batch_loss(self, xs, ys) }
///     fn train_batch(&self, ws, xs, ys, grad) -> Result<f32> { Mlp::batch_backward(self, xs, ys, grad) }
/// }
/// ```
fn network_impl(
    name: &syn::Ident,
    c: &Checked,
    float: &syn::Ident,
    batch_ty: &TokenStream,
) -> TokenStream {
    let (iw, ws) = (c.input_width, format_ident!("{}Workspace", name));
    let gemm = c.layers.iter().any(|l| l.input * l.output >= GEMM_WEIGHTS);
    let train = if gemm {
        quote!(#name::batch_backward_gemm(self, ws, xs, ys, grad))
    } else {
        quote!(#name::batch_backward(self, xs, ys, grad))
    };
    let pass = if gemm {
        "`batch_backward_gemm`"
    } else {
        "`batch_backward`"
    };
    let doc = format!(" The training loop's view of [`{name}`]: batches go through {pass}.");
    quote! {
        #[doc = #doc]
        #[allow(unused_variables)]
        impl ::macrograd::train::Network for #name {
            type Input = [#float; #iw];
            type Target = #batch_ty;
            type Workspace = #ws;
            fn zeros() -> Self {
                #name::zeros()
            }
            fn batch_loss(&self, xs: &[[#float; #iw]], ys: &[#batch_ty]) -> ::macrograd::Result<#float> {
                #name::batch_loss(self, xs, ys)
            }
            fn train_batch(&self, ws: &mut #ws, xs: &[[#float; #iw]], ys: &[#batch_ty], grad: &mut Self) -> ::macrograd::Result<#float> {
                #train
            }
        }
    }
}

/// The forward pass; with `keep`, also the elementwise derivatives the
/// backward pass needs (`<name>_d`, and `<name>_da`/`<name>_db` for binary ops).
fn forward_statements(
    g: &VGraph,
    c: &Checked,
    names: &[syn::Ident],
    fns: &[syn::Ident],
    parts: &syn::Ident,
    float: &syn::Ident,
    keep: bool,
) -> Vec<TokenStream> {
    let mut out = Vec::new();
    for (k, n) in g.nodes.iter().enumerate() {
        let v = &names[k];
        let w = n.width;
        let f = &fns[k];
        let fg = format_ident!("{}_grad", f);
        out.push(match &n.op {
            VOp::Input => continue,
            VOp::Linear(l, x) => {
                let layer = &c.layers[*l].name;
                let x = &names[*x];
                quote!(let #v = self.#layer.forward(&#x);)
            }
            VOp::Map(_, x, _) => {
                let x = &names[*x];
                quote! {
                    let mut #v = [0.0 as #float; #w];
                    for i in 0..#w { #v[i] = #parts::#f(#x[i]); }
                }
            }
            VOp::Zip(_, a, b) if keep => {
                let (a, b) = (&names[*a], &names[*b]);
                let (da, db) = (format_ident!("{}_da", v), format_ident!("{}_db", v));
                quote! {
                    let mut #v = [0.0 as #float; #w];
                    let mut #da = [0.0 as #float; #w];
                    let mut #db = [0.0 as #float; #w];
                    for i in 0..#w {
                        let (y, (ga, gb)) = #parts::#fg(#a[i], #b[i]);
                        #v[i] = y;
                        #da[i] = ga;
                        #db[i] = gb;
                    }
                }
            }
            VOp::Zip(_, a, b) => {
                let (a, b) = (&names[*a], &names[*b]);
                quote! {
                    let mut #v = [0.0 as #float; #w];
                    for i in 0..#w { #v[i] = #parts::#f(#a[i], #b[i]); }
                }
            }
            VOp::Softmax(x, log) => {
                let x = &names[*x];
                let kernel = softmax_kernel(*log, false);
                quote! {
                    let mut #v = [0.0 as #float; #w];
                    ::macrograd::nn::#kernel(&#x, &mut #v);
                }
            }
        });
    }
    out
}

/// The backward pass: every value's adjoint `d_<name>` starts at zero and
/// collects the contributions of its users, last node first.
fn backward_statements(
    g: &VGraph,
    c: &Checked,
    names: &[syn::Ident],
    float: &syn::Ident,
    fns: &[syn::Ident],
    parts: &syn::Ident,
) -> Vec<TokenStream> {
    let mut out = Vec::new();
    let last = g.nodes.len() - 1;
    let d = |k: usize| format_ident!("d_{}", names[k]);
    // An adjoint is declared by its first contribution (the last user in
    // the forward order) and later contributions add to it.
    let mut declared = vec![false; g.nodes.len()];
    declared[last] = true;
    for k in (1..=last).rev() {
        let dk = d(k);
        let v = &names[k];
        let w = g.nodes[k].width;
        match &g.nodes[k].op {
            VOp::Input => {}
            VOp::Linear(l, x) => {
                let layer = &c.layers[*l].name;
                let xn = &names[*x];
                if *x == 0 {
                    out.push(quote!(self.#layer.backward_params(&#xn, &#dk, &mut grad.#layer);));
                } else if !std::mem::replace(&mut declared[*x], true) {
                    let dx = d(*x);
                    out.push(
                        quote!(let mut #dx = self.#layer.backward(&#xn, &#dk, &mut grad.#layer);),
                    );
                } else {
                    let dx = d(*x);
                    let xw = g.nodes[*x].width;
                    out.push(quote! {
                        let dx = self.#layer.backward(&#xn, &#dk, &mut grad.#layer);
                        for i in 0..#xw { #dx[i] += dx[i]; }
                    });
                }
            }
            VOp::Map(_, x, _) => {
                // the local derivative is computed here, from the input the
                // forward pass kept, so a sample the loss skips never pays it
                if *x != 0 {
                    let (dx, xn) = (d(*x), &names[*x]);
                    let fg = format_ident!("{}_grad", fns[k]);
                    let local = quote!(#parts::#fg(#xn[i]).1);
                    out.push(if std::mem::replace(&mut declared[*x], true) {
                        quote!(for i in 0..#w { #dx[i] += #dk[i] * #local; })
                    } else {
                        quote! {
                            let mut #dx = [0.0 as #float; #w];
                            for i in 0..#w { #dx[i] = #dk[i] * #local; }
                        }
                    });
                }
            }
            VOp::Zip(_, a, b) => {
                let (da, db) = (format_ident!("{}_da", v), format_ident!("{}_db", v));
                for (x, s) in [(*a, da), (*b, db)] {
                    if x != 0 {
                        let dx = d(x);
                        out.push(contribution(&mut declared[x], &dx, &dk, &s, w, float));
                    }
                }
            }
            VOp::Softmax(x, log) => {
                if *x != 0 {
                    let dx = d(*x);
                    let kernel = softmax_kernel(*log, true);
                    out.push(if std::mem::replace(&mut declared[*x], true) {
                        quote!(::macrograd::nn::#kernel(&#v, &#dk, &mut #dx, ::macrograd::nn::Write::Accumulate);)
                    } else {
                        quote! {
                            let mut #dx = [0.0 as #float; #w];
                            ::macrograd::nn::#kernel(&#v, &#dk, &mut #dx, ::macrograd::nn::Write::Overwrite);
                        }
                    });
                }
            }
        }
    }
    out
}

/// The runtime kernel of `softmax` / `log_softmax`, forward or backward.
pub(super) fn softmax_kernel(log: bool, backward: bool) -> syn::Ident {
    let name = match (log, backward) {
        (false, false) => "softmax_row",
        (true, false) => "log_softmax_row",
        (false, true) => "softmax_row_backward",
        (true, true) => "log_softmax_row_backward",
    };
    syn::Ident::new(name, Span::call_site())
}

/// `dx = dk ⊙ s` on the first contribution to `dx`, `dx += dk ⊙ s` after.
fn contribution(
    declared: &mut bool,
    dx: &syn::Ident,
    dk: &syn::Ident,
    s: &syn::Ident,
    w: usize,
    float: &syn::Ident,
) -> TokenStream {
    if std::mem::replace(declared, true) {
        quote!(for i in 0..#w { #dx[i] += #dk[i] * #s[i]; })
    } else {
        quote! {
            let mut #dx = [0.0 as #float; #w];
            for i in 0..#w { #dx[i] = #dk[i] * #s[i]; }
        }
    }
}

/// What the macro expands to after an error: the struct (without its
/// fields, which as written would not compile) and stubs of the methods
/// callers use, with the types as written, so that uses of the network do not
/// cascade into "no function `zeros`" errors.
pub fn stub(m: &ModelInput) -> TokenStream {
    let name = &m.item.ident;
    let vis = &m.item.vis;
    let typed = |f: &syn::ItemFn| -> Vec<(syn::Ident, syn::Type)> {
        f.sig
            .inputs
            .iter()
            .filter_map(|a| match a {
                syn::FnArg::Typed(pt) => match &*pt.pat {
                    syn::Pat::Ident(id) => Some((id.ident.clone(), (*pt.ty).clone())),
                    _ => None,
                },
                syn::FnArg::Receiver(_) => None,
            })
            .collect()
    };
    let input = m.forward.as_ref().and_then(|f| typed(f).into_iter().next());
    let output = m.forward.as_ref().and_then(|f| match &f.sig.output {
        syn::ReturnType::Type(_, t) => Some((**t).clone()),
        syn::ReturnType::Default => None,
    });
    let float = output
        .as_ref()
        .and_then(crate::types::float_of_type)
        .map_or(crate::ir::Float::F64, |f| f.0);
    let float = syn::Ident::new(float.name(), Span::call_site());
    let forward = match (&input, &output) {
        (Some((x, xt)), Some(out)) => quote! {
            pub fn forward(&self, #x: #xt) -> #out { ::core::unimplemented!() }
        },
        _ => quote!(),
    };
    let targets = m
        .loss
        .as_ref()
        .map(|f| typed(f).into_iter().skip(1).collect::<Vec<_>>());
    let per_sample = match (&input, &targets) {
        (Some((x, xt)), Some(targets)) => {
            let tn: Vec<_> = targets.iter().map(|t| &t.0).collect();
            let tt: Vec<_> = targets.iter().map(|t| &t.1).collect();
            let batch_ty = if tt.len() == 1 {
                let t = tt[0];
                quote!(#t)
            } else {
                quote!((#(#tt),*))
            };
            quote! {
                pub fn loss(&self, #x: #xt, #(#tn: #tt),*) -> #float { ::core::unimplemented!() }
                pub fn backward_add(&self, #x: #xt, #(#tn: #tt,)* grad: &mut Self) -> #float { ::core::unimplemented!() }
                pub fn batch_loss(&self, xs: &[#xt], ys: &[#batch_ty]) -> ::macrograd::Result<#float> { ::core::unimplemented!() }
                pub fn batch_backward(&self, xs: &[#xt], ys: &[#batch_ty], grad: &mut Self) -> ::macrograd::Result<#float> { ::core::unimplemented!() }
                pub fn batch_backward_par(&self, xs: &[#xt], ys: &[#batch_ty], grad: &mut Self) -> ::macrograd::Result<#float> { ::core::unimplemented!() }
            }
        }
        _ => quote!(),
    };
    quote! {
        #[derive(Clone, Debug, PartialEq)]
        #vis struct #name {}

        #[allow(dead_code, unused_variables, clippy::all)]
        impl #name {
            pub fn zeros() -> Self { #name {} }
            #forward
            #per_sample
        }
    }
}
