//! The driver for the derived functions beside `name_grad`: `name_jvp` for
//! every function, `name_vjp` and `name_jacobian` for one returning
//! `[F; m]` (`name_vjp_into` and no Jacobian over a differentiable slice),
//! `name_hessian` and `name_hvp` under `#[differentiable(hessian)]`, and
//! `name_vjp_jvp` for one returning `[F; m]` under `hessian` or `hvp`.
//! Each is its own graph (lowered once, then `diff::higher`, `simplify`,
//! `emit::higher`).

use proc_macro2::TokenStream;

use crate::diff::higher::{self as build, Sweeps};
use crate::emit::higher::{derived_fn, graph_diff_len, hvp_slices, Kind};
use crate::emit::NoJacobian;
use crate::ir::lower::NODE_LIMIT;
use crate::ir::Graph;
use crate::parse::{GradFn, MAX_ELEMENTS};
use crate::types::Signature;

/// The derived items for `f`, whose body lowered to `lowered`.
pub fn items(f: &GradFn, sig: &Signature, lowered: &Graph) -> syn::Result<TokenStream> {
    let vector = sig.out_len.is_some() || sig.out_struct.is_some();
    let hessian = f.args.hessian.as_ref();
    // the token asking for second derivatives: `hessian`, else `hvp`
    let second = hessian.or(f.args.hvp.as_ref());
    // a function returning several floats: `hessian` (or `hvp`) adds
    // `name_vjp_jvp`, the second derivative its callers take through it
    // (a method's callers through its hidden `__name_vjp_jvp`); the
    // tangent through a call's struct result returned whole is not
    // written yet
    if let (false, Some(h)) = (lowered.out_results.is_empty(), second) {
        return Err(syn::Error::new(
            h.span(),
            format!("`{h}` on a function returning a call's struct result whole (`p`, `..p`) is not supported yet: remove `{h}`"),
        ));
    }
    let vector_second = vector && second.is_some();
    if let (true, Some((_, m))) = (vector, &f.args.mode) {
        return Err(syn::Error::new(
            m.span(),
            "`mode` chooses the sweep of `name_grad`, which a function returning an array does not have (its Jacobian takes the cheaper sweep by size): remove `mode = …`",
        ));
    }
    // functions passing struct values on to calls: the reverse sweep adds
    // the callee's gradient of the struct whole, the forward sweep of
    // `name_jvp` dots it with the struct's tangent (`ir::StructDot`); a
    // Jacobian's columns (the fields read) would miss the parts passed
    // whole, and so would a Hessian's: `name_hessian` is built from
    // `name_hvp` calls, whose forward sweep over the reverse one adds the
    // callee's HVP entry into the struct's H·v
    if let (true, true, Some(h)) = (lowered.struct_calls, vector, second) {
        return Err(syn::Error::new(
            h.span(),
            format!("`{h}` is not supported yet on a function returning several floats that passes struct values (or `self`) to other functions: remove `{h}`, or pass the floats the callee needs"),
        ));
    }
    let hessian_by_calls = lowered.struct_calls && hessian.is_some();
    // a differentiable parameter of run-time length: `name_jvp` and
    // `name_hvp` take directions of its length; a Hessian or Jacobian
    // would be a matrix of run-time size
    let slice = sig.diff_params().find(|p| p.slice.is_some());
    if let (Some(p), true, Some(h)) = (slice, vector, second) {
        return Err(syn::Error::new(
            h.span(),
            format!("`{h}` on a function returning an array needs differentiable parameters of fixed size, and `{}` has run-time length: give it a fixed size (`[f64; N]`), or remove `{h}` (`name_vjp` and `name_jvp` stay)", p.ident),
        ));
    }
    if let (Some(p), Some(h)) = (slice, hessian) {
        return Err(syn::Error::new(
            h.span(),
            format!("`hessian` needs differentiable parameters of fixed size, and `{}` has run-time length (its Hessian would be an n × n matrix of run-time size): write `#[differentiable(hvp)]` for `name_hvp` (Hessian-vector products, a small constant times the cost of the gradient), or give it a fixed size (`[f64; N]`)", p.ident),
        ));
    }
    let key = second.map(ToString::to_string);
    if let Some((span, msg)) = build::unsupported(lowered, key.as_deref()) {
        if vector || second.is_some() {
            return Err(syn::Error::new(span, msg));
        }
    }
    let n = graph_diff_len(lowered);
    let too_big = |count: usize, what: &str| {
        syn::Error::new(
            f.item.sig.ident.span(),
            format!("the {what} would have {count} entries, more than {MAX_ELEMENTS}: use `name_vjp`/`name_jvp`/`name_hvp` products instead"),
        )
    };
    // the Jacobian's rows: the result's floats
    let rows = sig
        .out_len
        .or(sig.out_struct.as_ref().map(|_| lowered.outs.len()));
    if let Some(m) = rows {
        if m.saturating_mul(n) > MAX_ELEMENTS {
            return Err(too_big(m.saturating_mul(n), "Jacobian"));
        }
    }
    // (a Hessian built by calls counts every float of a struct: checked
    // at compile time by the generated code)
    if hessian.is_some() && !vector && !hessian_by_calls && n.saturating_mul(n) > MAX_ELEMENTS {
        return Err(too_big(n.saturating_mul(n), "Hessian"));
    }
    // each Jacobian or Hessian column (or row) is a sweep over the body:
    // bounded like the body itself before any is built
    let body = lowered.nodes.len();
    let sweeps = match (rows, hessian) {
        (Some(m), _) => m.min(n),
        (None, Some(_)) if !hessian_by_calls => n,
        (None, _) => 1,
    };
    if sweeps.saturating_mul(body) > NODE_LIMIT {
        return Err(syn::Error::new(
            f.item.sig.ident.span(),
            format!(
                "{sweeps} sweeps over a body of {body} operations would write more than {NODE_LIMIT} operations: \
                 split the function into smaller `#[differentiable]` functions{}",
                if hessian.is_some() { ", or remove `hessian`" } else { "" }
            ),
        ));
    }
    let name = f.item.sig.ident.to_string();
    let mut kinds = vec![Kind::Jvp];
    // a free function over a differentiable slice returning one float:
    // `name_vjp_into` too, which callers passing a slice on reach through
    // its hidden `vjp_into`
    let scalar_vjp = !vector && slice.is_some() && !sig.assoc;
    if vector || scalar_vjp {
        kinds.push(Kind::Vjp);
    }
    // (one over a slice would have run-time size: a stub says so; the
    // rows a struct result copies by `..base` depend on fields of the
    // parameter the body may not read, which are no columns)
    // (nor are those a call's struct result returned whole gives)
    let copies = !lowered.out_rests.is_empty() || !lowered.out_results.is_empty();
    if rows.is_some() && slice.is_none() && !copies && !lowered.struct_calls {
        kinds.push(Kind::Jacobian);
    }
    if vector_second {
        kinds.push(Kind::VjpJvp);
    } else {
        if hessian.is_some() && !hessian_by_calls {
            kinds.push(Kind::Hessian);
        }
        if second.is_some() {
            kinds.push(Kind::Hvp);
        }
    }
    let mut out = TokenStream::new();
    for kind in kinds {
        let mut g = lowered.clone();
        let sweeps = build::jacobian_sweeps(&g);
        match kind {
            Kind::Jvp => build::jvp(&mut g),
            Kind::Vjp => {
                build::vjp(&mut g);
                // the cotangent has the result's shape: a tuple is read `.i`
                if let Some(c) = g.params.last_mut() {
                    c.tuple = sig.out_tuple;
                }
            }
            Kind::Jacobian => build::jacobian(&mut g, sweeps),
            Kind::Hessian => build::hessian(&mut g),
            Kind::Hvp => build::hvp(&mut g),
            Kind::VjpJvp => {
                build::vjp_jvp(&mut g);
                for p in &mut g.params[sig.params.len()..] {
                    if p.len == sig.out_len && p.name.contains("cotangent") {
                        p.tuple = sig.out_tuple;
                    }
                }
            }
        }
        if let Some((span, msg)) = g.unsupported.first() {
            // a slice function's `name_jvp` comes without being asked for:
            // where its forward sweep cannot go, `name_grad` stays alone
            if (kind == Kind::Jvp && slice.is_some()) || (kind == Kind::Vjp && scalar_vjp) {
                continue;
            }
            return Err(syn::Error::new(*span, msg));
        }
        crate::simplify::simplify(&mut g);
        let mut doc = doc(&name, sig, &g, kind, sweeps);
        if sig.assoc {
            doc = doc.replace(&format!("[`{name}`]"), &format!("[`Self::{name}`]"));
        }
        // what run-time loops keep (a state loop's tape): only a derived
        // function with a reverse sweep keeps anything
        let reverse = !matches!(
            (kind, sweeps),
            (Kind::Jvp, _) | (Kind::Jacobian, Sweeps::Forward)
        );
        if let Some(memory) = crate::emit::memory_doc(&g).filter(|_| reverse) {
            doc.push_str("\n\n");
            doc.push_str(&memory);
        }
        if kind == Kind::Hvp && slice.is_some() {
            out.extend(hvp_slices(&f.item, sig, &g, &doc));
            // beside `f_hvp_into`, `f::hvp_into` for callers with `hvp`
            // passing a slice on (a free function's: `f::vjp_into` is)
            if !sig.assoc && sig.out_struct.is_none() {
                out.extend(crate::emit::hidden_hvp_into(&f.item, sig));
            }
        } else if kind == Kind::Vjp && slice.is_some() {
            out.extend(crate::emit::vjp_slices(&f.item, sig, &g, &doc));
        } else {
            out.extend(derived_fn(&f.item, sig, &g, kind, &doc));
        }
        // beside `f_jvp` over a slice, `f::jvp` for callers passing one on
        if kind == Kind::Jvp && slice.is_some() && !sig.assoc && sig.out_struct.is_none() {
            out.extend(crate::emit::hidden_jvp(&f.item, sig));
        }
        // beside `f::vjp`, `f::forward` for callers' reverse sweeps
        if kind == Kind::Vjp && slice.is_none() {
            out.extend(crate::emit::saved_forward(&f.item, sig, &g));
        }
    }
    // (a method's items stay in its `impl`, where the hidden type that
    // carries `hvp_pullback` cannot go: a method has no nested gradient)
    if let (Some(_), true) = (slice, sig.out_len.is_some()) {
        out.extend(crate::emit::no_jacobian(
            &f.item,
            sig,
            NoJacobian::OverSlice,
        ));
    } else if rows.is_some() && (copies || lowered.struct_calls) {
        // the fields a struct passed on whole (or copied by `..base`) has
        // beyond those the body reads are columns too: assembled from
        // `name_jvp`/`name_vjp` calls
        out.extend(crate::emit::jacobian_by_calls(&f.item, sig, lowered));
    }
    if hessian_by_calls {
        out.extend(crate::emit::hessian_by_calls(&f.item, sig));
    }
    if vector_second && slice.is_none() && sig.assoc {
        // a method's: `__f_vjp_jvp` in its `impl`
        out.extend(crate::emit::assoc_vector_hessian_items(&f.item, sig));
    } else if vector_second && slice.is_none() {
        out.extend(crate::emit::vector_hessian_items(&f.item, sig));
    } else if second.is_some() && slice.is_none() && !sig.assoc {
        out.extend(crate::emit::hessian_items(&f.item, sig));
    } else if second.is_some() && slice.is_none() {
        // a method's or associated function's: `__f_hvp_pullback` in its `impl`
        out.extend(crate::emit::assoc_hessian_items(&f.item, sig));
    }
    Ok(out)
}

/// `x[0], x[1], y, s.theta`: the differentiable elements in order (a
/// struct parameter's are the fields its body reads, in the order it first
/// reads them).
fn elements(g: &Graph) -> String {
    let mut names = Vec::new();
    for p in g.params.iter().filter(|p| p.diff) {
        match (&p.fields, p.len) {
            _ if p.slice.is_some() => names.push(format!("{}[..]", p.name)),
            (Some(fields), _) => {
                names.extend(fields.iter().map(|f| format!("{}{}", p.name, f.text())))
            }
            (None, None) => names.push(p.name.clone()),
            (None, Some(n)) if p.tuple => names.extend((0..n).map(|i| format!("{}.{i}", p.name))),
            (None, Some(n)) => names.extend((0..n).map(|i| format!("{}[{i}]", p.name))),
        }
    }
    names.join(", ")
}

/// The rows of a Jacobian: one per output, or for a struct result one per
/// float of the struct in declaration order (the macro sees only the
/// literal, so it names the fields as the literal writes them).
fn rows_doc(g: &Graph) -> String {
    let Some((ty, paths)) = &g.out_struct else {
        return "one row per output".to_string();
    };
    let ty = quote::quote!(#ty).to_string();
    let written: Vec<String> = paths.iter().map(|p| p.text()).collect();
    format!(
        "one row per float of the result `{ty}` in the order of its declaration (an array field's elements \
         in turn, a nested struct's floats in its own order: the order `Differentiable::for_each_float` visits; \
         the body's literal writes them as ({}), and the rows follow the declaration where the two differ)",
        written.join(", ")
    )
}

/// The rustdoc of a derived function.
fn doc(name: &str, sig: &Signature, g: &Graph, kind: Kind, sweeps: Sweeps) -> String {
    let params: Vec<String> = sig.params.iter().map(|p| p.ident.to_string()).collect();
    let call = format!("{name}({})", params.join(", "));
    let xs = elements(g);
    let n = graph_diff_len(g);
    let has_slice = sig.diff_params().any(|p| p.slice.is_some());
    let head = match kind {
        Kind::Jvp => {
            let product = match sig.out_len {
                None if sig.out_struct.is_some() => format!(
                    "`({call}, J·tangent)`, a value of the result's struct with each field `Σⱼ ∂field/∂xⱼ · tangentⱼ`"
                ),
                None => format!("`({call}, Σⱼ ∂{name}/∂xⱼ · tangentⱼ)`"),
                Some(_) => format!(
                    "`({call}, J·tangent)` with `(J·tangent)ᵢ = Σⱼ ∂{name}ᵢ/∂xⱼ · tangentⱼ`"
                ),
            };
            format!(
                " Value and directional derivative of [`{name}`] along `tangent`: returns {product} \
                 over the differentiable elements x = ({xs}).\n\n {} \
                 One forward sweep seeded with `tangent`: about the cost of one more evaluation, nothing stored.{}",
                if has_slice {
                    "`tangent` has the parameters' shape: a slice (`&[F]`) of the same length for a parameter of run-time length (the call panics if the lengths differ)."
                } else {
                    "`tangent` has the gradient's type."
                },
                if g.struct_calls {
                    " A struct passed whole to a call adds the callee's gradient for it dotted with its whole tangent (`Differentiable::dot`), every field included."
                } else {
                    ""
                }
            )
        }
        Kind::Vjp if sig.out_len.is_none() && sig.out_struct.is_none() => format!(
            " Value of [`{name}`] and its gradient scaled by the float `cotangent`: returns `({call}, g)` with \
             `gⱼ = cotangent · ∂{name}/∂xⱼ`, shaped like the parameters (x = ({xs})).\n\n \
             One reverse sweep seeded with `cotangent`, as `{name}_grad`'s is with 1."
        ),
        Kind::Vjp => format!(
            " Value of [`{name}`] and the vector-Jacobian product `cotangentᵀ·J`: returns `({call}, g)` with \
             `gⱼ = Σᵢ cotangent[i] · ∂{name}ᵢ/∂xⱼ`, shaped like the parameters (x = ({xs})).\n\n \
             One reverse sweep seeded with `cotangent`; no Jacobian is formed."
        ),
        Kind::Jacobian => format!(
            " Value and Jacobian of [`{name}`]: returns `({call}, J)` with `J[i][j] = ∂{name}ᵢ/∂xⱼ`, \
             {} and one column per differentiable element x = ({xs}).\n\n Built by {}, \
             the fewer sweeps of the two.",
            rows_doc(g),
            match sweeps {
                Sweeps::Forward => format!("{n} forward sweeps (one per input element)"),
                Sweeps::Reverse => format!(
                    "{} reverse sweeps (one per output)",
                    g.outs.len().max(1)
                ),
            }
        ),
        Kind::Hessian => {
            let inputs: Vec<(usize, Option<usize>)> = g
                .params
                .iter()
                .enumerate()
                .filter(|(_, p)| p.diff)
                .flat_map(|(k, p)| (0..p.len.unwrap_or(1)).map(move |i| (k, p.len.map(|_| i))))
                .collect();
            let lines = crate::formula::hessian_formulas(g, name, &inputs, 12);
            let formulas = if lines.is_empty() {
                String::new()
            } else {
                format!(
                    "\n\n ```text\n{}\n ```",
                    lines
                        .iter()
                        .map(|l| format!(" {l}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            };
            format!(
                " Value, gradient and Hessian of [`{name}`]: returns `({call}, gradient, H)`; the gradient \
                 is exactly what `{name}_grad` returns and `H[i][j] = ∂²{name}/∂xᵢ∂xⱼ` over x = ({xs}) \
                 (symmetric: each entry is computed by its sweep, and identical computations are shared, never copied across the diagonal).\n\n Forward over reverse: one reverse sweep, then \
                 {n} forward sweeps over it (one per column), all sharing the primal values.{formulas}"
            )
        }
        Kind::VjpJvp => format!(
            " Forward over reverse through the VJP of [`{name}`]: returns `({call}, g, ġ)` with \
             `g = cotangentᵀ·J` (as `{name}_vjp` returns it) and its tangent along `tangent` (for x = ({xs})) \
             and `cotangent_tangent` (for the cotangent): `ġⱼ = Σᵢ cotangent_tangent[i]·∂{name}ᵢ/∂xⱼ + \
             Σᵢ cotangent[i]·Σₖ ∂²{name}ᵢ/∂xⱼ∂xₖ·tangentₖ`.\n\n A differentiable caller with `hessian` or \
             `hvp` takes its second derivative through `{name}` this way. One reverse sweep and one \
             forward sweep over it, a small constant times the cost of the VJP; no Jacobian or Hessian is formed."
        ),
        Kind::Hvp if has_slice => format!(
            " Value, gradient and Hessian-vector product of [`{name}`]: returns `({call}, gradient, H·v)` with \
             `(H·v)ᵢ = Σⱼ ∂²{name}/∂xᵢ∂xⱼ · vⱼ` over x = ({xs}); `v` has the parameters' shape (a slice `&[F]` \
             for a parameter of run-time length), `gradient` and `H·v` the gradient's type (a fresh `Vec` for \
             such a parameter, as `{name}_grad` returns).\n\n Forward over reverse (Pearlmutter 1994): one \
             forward sweep seeded with `v` over the reverse sweep, a small constant times the cost of the \
             gradient; the Hessian is never formed. Allocates the two `Vec`s and calls `{name}_hvp_into`; panics if a direction \
             slice's length differs from its parameter's."
        ),
        Kind::Hvp => format!(
            " Value, gradient and Hessian-vector product of [`{name}`]: returns `({call}, gradient, H·v)` with \
             `(H·v)ᵢ = Σⱼ ∂²{name}/∂xᵢ∂xⱼ · vⱼ` over x = ({xs}); `v` and `H·v` have the gradient's type.{}\n\n \
             Forward over reverse (Pearlmutter 1994): one forward sweep seeded with `v` over the reverse sweep, \
             a small constant times the cost of the gradient; the Hessian is never formed.",
            if g.struct_calls {
                " A struct passed whole to a call adds the callee's HVP entry for it (along the struct's part of `v`, every field included) into its part of `H·v`."
            } else {
                ""
            }
        ),
    };
    format!("{head}\n\n Generated by macrograd's `#[differentiable]` at compile time.")
}
