//! The helpers generated programs call (`gen::HELPERS`), interpreted: each
//! is lowered once, and a call is evaluated on the helper's own graphs,
//! as the generated code would call the helper's own functions:
//!
//! - the value (and, on dual numbers, the forward-mode oracle): the
//!   helper's lowered graph, on the call's arguments;
//! - a reverse sweep's call (`CallSweep::Vjp`): the helper's VJP graph
//!   (`diff::higher::vjp`, then `simplify`, as `name_vjp` is made), with the
//!   cotangents of the elements the caller binds (zero for a struct field
//!   it leaves out);
//! - a forward sweep's call (`CallSweep::Jvp`): the helper's JVP graph,
//!   along the arguments' tangents.
//!
//! So the helpers' VJP and JVP are checked too, against the oracle's dual
//! numbers run through the helpers' plain bodies.
//!
//! A struct passed whole (`h_e(s, e)`, `h_in(s.inner, e)`) comes as every
//! float of its type (`Callees::layout`, read from `gen::STRUCT_DEFS`);
//! the helper gets the fields it reads, and its VJP's gradient, spread
//! back over the layout (zero at the fields it does not read), is the
//! argument's entry.

use macrograd_codegen::ctxt::Ctxt;
use macrograd_codegen::diff::higher;
use macrograd_codegen::ir::eval::{eval_outputs_with, Callees, EvalError, Scalar};
use macrograd_codegen::ir::{Call, CallArg, CallSweep, Graph, PatItem};
use macrograd_codegen::types::Seg;
use macrograd_codegen::{ir, parse, simplify};

use super::gen::{HELPERS, STRUCT_DEFS};

/// One helper, lowered, with its derived graphs.
struct Helper {
    name: String,
    lowered: Graph,
    vjp: Graph,
    jvp: Graph,
    /// Each parameter's number of elements.
    lens: Vec<usize>,
    /// For a struct result: the field each element of the result is.
    fields: Option<Vec<String>>,
    /// For each parameter that is a struct: its type's name and the paths
    /// of the fields the helper reads, in the order of its argument.
    structs: Vec<Option<(String, Vec<Vec<Seg>>)>>,
}

/// The helpers of `gen::HELPERS`; see the module docs.
pub struct Helpers(Vec<Helper>);

/// The helpers, lowered once per thread (a graph holds spans, which stay
/// on their thread).
pub fn helpers() -> &'static Helpers {
    thread_local! {
        static H: &'static Helpers =
            Box::leak(Box::new(Helpers(HELPERS.iter().map(|src| lower(src)).collect())));
    }
    H.with(|h| *h)
}

fn lower(src: &str) -> Helper {
    let cx = Ctxt::new();
    let f = parse::parse_fn(
        proc_macro2::TokenStream::new(),
        src.parse().expect("a helper lexes"),
        &cx,
    )
    .expect("a helper parses");
    let sig = f.sig.as_ref().expect("a helper has a signature");
    let lowered = ir::lower::lower_fn(sig, &f.body, &cx).expect("a helper lowers");
    cx.check().expect("a helper is accepted");
    let mut vjp = lowered.clone();
    higher::vjp(&mut vjp);
    simplify::simplify(&mut vjp);
    let mut jvp = lowered.clone();
    higher::jvp(&mut jvp);
    simplify::simplify(&mut jvp);
    let fields = lowered.out_struct.as_ref().map(|(_, paths)| {
        paths
            .iter()
            .map(|p| match p.segs.as_slice() {
                [Seg::Field(f)] => f.clone(),
                other => panic!("a helper's struct result has float fields only, not {other:?}"),
            })
            .collect()
    });
    let structs = lowered
        .params
        .iter()
        .map(|p| {
            let ty = quote::ToTokens::to_token_stream(p.struct_ty.as_ref()?).to_string();
            let name = ty
                .rsplit(|c: char| !c.is_alphanumeric() && c != '_')
                .find(|w| !w.is_empty())?;
            let read = p.fields.as_ref()?.iter().map(|f| f.segs.clone()).collect();
            Some((name.to_string(), read))
        })
        .collect();
    Helper {
        structs,
        name: f.item.sig.ident.to_string(),
        lens: lowered.params.iter().map(|p| p.len.unwrap_or(1)).collect(),
        lowered,
        vjp,
        jvp,
        fields,
    }
}

/// `elems` split into one argument per parameter of lengths `lens`.
fn split<T: Copy>(elems: &[T], lens: &[usize]) -> Vec<Vec<T>> {
    let mut at = 0;
    lens.iter()
        .map(|&n| {
            at += n;
            elems[at - n..at].to_vec()
        })
        .collect()
}

/// Every float of the struct `ty` of `gen::STRUCT_DEFS`, by path, in
/// declaration order (nested structs, defined before, and arrays
/// flattened in place).
fn layout_of(ty: &str) -> Option<Vec<Vec<Seg>>> {
    let mut known: Vec<(String, Vec<Vec<Seg>>)> = Vec::new();
    let mut current: Option<(String, Vec<Vec<Seg>>)> = None;
    for line in STRUCT_DEFS.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("pub struct ") {
            current = Some((rest.trim_end_matches(" {").to_string(), Vec::new()));
        } else if line == "}" {
            known.extend(current.take());
        } else if let (Some((_, paths)), Some(field)) = (&mut current, line.strip_prefix("pub ")) {
            let (name, ty) = field.trim_end_matches(',').split_once(": ")?;
            let name = Seg::Field(name.to_string());
            if ty == "f64" {
                paths.push(vec![name]);
            } else if let Some(n) = ty.strip_prefix("[f64; ").and_then(|n| n.strip_suffix(']')) {
                let n: usize = n.parse().ok()?;
                paths.extend((0..n).map(|i| vec![name.clone(), Seg::Index(i)]));
            } else {
                let (_, inner) = known.iter().find(|(k, _)| k == ty)?;
                paths.extend(inner.iter().map(|p| {
                    std::iter::once(name.clone())
                        .chain(p.iter().cloned())
                        .collect()
                }));
            }
        }
    }
    known.into_iter().find(|(k, _)| k == ty).map(|(_, p)| p)
}

impl<T: Scalar> Callees<T> for Helpers {
    fn layout(&self, ty: &str) -> Option<Vec<Vec<Seg>>> {
        layout_of(ty)
    }

    fn call_structs(
        &self,
        c: &Call,
        reads: &[T],
        structs: &[Vec<T>],
        entries: bool,
    ) -> Result<(Vec<T>, Vec<Vec<T>>), EvalError> {
        let opaque = || EvalError::OpaqueCall(c.path.join("::"));
        let name = c.path.last().ok_or_else(opaque)?;
        let h = self.0.iter().find(|h| h.name == *name).ok_or_else(opaque)?;
        if c.args.len() != h.lens.len() || c.struct_out.is_some() {
            return Err(opaque());
        }
        let zero = T::from_f64(0.0);
        // the helper's arguments; for each struct argument its layout
        let (mut args, mut layouts) = (Vec::new(), Vec::new());
        let (mut at, mut next) = (0, structs.iter());
        for (k, a) in c.args.iter().enumerate() {
            match (a, &h.structs[k]) {
                (CallArg::Struct(_), Some((ty, read))) => {
                    let paths = layout_of(ty).ok_or_else(opaque)?;
                    let values = next.next().ok_or_else(opaque)?;
                    let pos = |r: &Vec<Seg>| paths.iter().position(|p| p == r);
                    let picked: Option<Vec<T>> =
                        read.iter().map(|r| pos(r).map(|j| values[j])).collect();
                    args.push(picked.ok_or_else(opaque)?);
                    layouts.push((k, paths));
                }
                (CallArg::Scalar(_) | CallArg::Array(_) | CallArg::Tuple(_), None)
                    if a.elements().len() == h.lens[k] =>
                {
                    args.push(reads[at..at + h.lens[k]].to_vec());
                }
                _ => return Err(opaque()),
            }
            at += a.elements().len();
        }
        let sweep = &reads[at..];
        let m = h.lowered.outs.len();
        let out = eval_outputs_with(&h.lowered, &args, self)?;
        let values = if m == 0 {
            vec![out[0]]
        } else {
            out[1..=m].to_vec()
        };
        let mut results = vec![values[0]];
        results.extend(
            c.outs
                .iter()
                .zip(&values)
                .filter(|(o, _)| **o != c.value)
                .map(|(_, v)| *v),
        );
        // the gradient with respect to each of the helper's arguments
        let grads: Vec<Vec<T>> = match &c.sweep {
            CallSweep::Value | CallSweep::Vjp(_) => {
                let cot = match &c.sweep {
                    CallSweep::Vjp(cots) if cots.len() == m.max(1) => sweep.to_vec(),
                    CallSweep::Value if m == 0 => vec![T::from_f64(1.0)],
                    _ => return Err(opaque()),
                };
                let mut vjp_args = args.clone();
                vjp_args.push(cot);
                let n: usize = h.lens.iter().sum();
                split(&eval_outputs_with(&h.vjp, &vjp_args, self)?[1..=n], &h.lens)
            }
            // a forward sweep along a struct argument from a
            // differentiable parameter: the pipeline never makes one
            _ => return Err(opaque()),
        };
        // each argument's partials, element by element, and the entries
        let (mut partials, mut entry_of) = (Vec::new(), Vec::new());
        for (k, a) in c.args.iter().enumerate() {
            match (a, layouts.iter().find(|(j, _)| *j == k)) {
                (CallArg::Struct(s), Some((_, paths))) => {
                    let (_, read) = h.structs[k].as_ref().ok_or_else(opaque)?;
                    let mut entry = vec![zero; paths.len()];
                    for (r, g) in read.iter().zip(&grads[k]) {
                        let j = paths.iter().position(|p| p == r).ok_or_else(opaque)?;
                        entry[j] = entry[j] + *g;
                    }
                    for e in &s.elem_paths {
                        let j = paths.iter().position(|p| p == e).ok_or_else(opaque)?;
                        partials.push(entry[j]);
                    }
                    entry_of.push(entry);
                }
                _ => partials.extend(grads[k].iter().copied()),
            }
        }
        for (k, part) in c.partials.iter().flatten().enumerate() {
            if part.is_some() {
                results.push(*partials.get(k).ok_or_else(opaque)?);
            }
        }
        Ok((results, if entries { entry_of } else { Vec::new() }))
    }

    fn call(&self, c: &Call, reads: &[T]) -> Result<Vec<T>, EvalError> {
        let opaque = || EvalError::OpaqueCall(c.path.join("::"));
        let name = c.path.last().ok_or_else(opaque)?;
        let h = self.0.iter().find(|h| h.name == *name).ok_or_else(opaque)?;
        let plain = c.args.iter().all(|a| {
            matches!(
                a,
                CallArg::Scalar(_) | CallArg::Array(_) | CallArg::Tuple(_)
            )
        });
        let lens: Vec<usize> = c.args.iter().map(|a| a.elements().len()).collect();
        if !plain || lens != h.lens {
            return Err(opaque());
        }
        let n: usize = lens.iter().sum();
        let (elems, sweep) = reads.split_at(n);
        let mut args = split(elems, &lens);
        let m = h.lowered.outs.len();
        // which of the helper's results each of the call's elements is
        let pick: Vec<usize> = match (&c.struct_out, &h.fields) {
            // a flat struct pattern: the fields it names, in its order
            (Some(items), Some(fields)) => {
                let opens = items
                    .iter()
                    .filter(|i| matches!(i, PatItem::Open(..)))
                    .count();
                if opens != 1 {
                    return Err(opaque());
                }
                items
                    .iter()
                    .filter_map(|i| match i {
                        PatItem::Leaf(f) => Some(f),
                        _ => None,
                    })
                    .map(|f| fields.iter().position(|g| g == f).ok_or_else(opaque))
                    .collect::<Result<_, _>>()?
            }
            // an array or a tuple: the elements in order (a reverse sweep's
            // call may hold only their cotangents)
            (None, None) => match &c.sweep {
                CallSweep::Vjp(cots) if c.outs.is_empty() => (0..cots.len()).collect(),
                _ => (0..c.outs.len()).collect(),
            },
            _ => return Err(opaque()),
        };
        let values = eval_outputs_with(&h.lowered, &args, self)?[1..=m].to_vec();
        // what the call's other elements and its partials hold
        let (elements, partials): (Vec<T>, Vec<T>) = match &c.sweep {
            CallSweep::Value => (pick.iter().map(|&k| values[k]).collect(), Vec::new()),
            CallSweep::Vjp(_) => {
                let mut u = vec![T::from_f64(0.0); m];
                for (&k, &cot) in pick.iter().zip(sweep) {
                    u[k] = cot;
                }
                args.push(u);
                let out = eval_outputs_with(&h.vjp, &args, self)?;
                (
                    pick.iter().map(|&k| values[k]).collect(),
                    out[1..=n].to_vec(),
                )
            }
            CallSweep::Jvp(_) => {
                args.extend(split(sweep, &lens));
                let out = eval_outputs_with(&h.jvp, &args, self)?;
                let tangents = &out[out.len() - m..];
                (pick.iter().map(|&k| tangents[k]).collect(), Vec::new())
            }
            // second order through a helper: not in the struct profile
            CallSweep::VjpJvp(_) => return Err(opaque()),
        };
        let first = pick.first().map_or(values[0], |&k| values[k]);
        let mut results = vec![first];
        for (o, e) in c.outs.iter().zip(&elements) {
            if *o != c.value {
                results.push(*e);
            }
        }
        // the partials the call holds: of every argument element, in order
        for (k, part) in c.partials.iter().flatten().enumerate() {
            if part.is_some() {
                results.push(*partials.get(k).ok_or_else(opaque)?);
            }
        }
        Ok(results)
    }
}
