//! Struct values passed whole to calls (see [`crate::ir::structs`]): the
//! interpreter builds each struct argument's value from the struct's
//! layout (every float of its type, which the [`Callees`](super::Callees)
//! give), keeps the callee's gradient entry for it, and runs the
//! statements that read that entry ([`Op::AddStruct`], [`Op::StructDot`]).
//!
//! A struct parameter's argument holds the floats its body reads, in the
//! order of [`Param::fields`](crate::types::Param::fields), and then,
//! for a struct passed whole, the other floats of its layout in layout
//! order; its gradient output has the same shape (see
//! [`super::eval_outputs_with`]).
//!
//! [`Op::AddStruct`]: crate::ir::Op::AddStruct
//! [`Op::StructDot`]: crate::ir::Op::StructDot

use std::collections::HashMap;

use super::{Args, EvalError, Scalar, State};
use crate::ir::{
    AddStruct, Call, CallArg, Graph, Op, StructAccum, StructArg, StructDot, StructExpr,
};
use crate::types::Seg;

/// A callee's gradient entry for a struct argument: the paths of the
/// argument's floats, and the entry's value at each.
pub(super) type Entry<T> = (Vec<Vec<Seg>>, Vec<T>);

/// Every float of a struct parameter's type, and where each sits in the
/// parameter's argument.
pub(super) struct Layout {
    /// Every float, by path, in layout order.
    paths: Vec<Vec<Seg>>,
    /// Each path's index in [`Layout::paths`].
    pos: HashMap<Vec<Seg>, usize>,
    /// For each float of the layout, its index in the argument.
    slot: Vec<usize>,
    /// For each element of the argument, its index in the layout.
    float_of: Vec<usize>,
}

/// The name a struct type is known by to [`Callees::layout`]
/// (super::Callees::layout): the last segment of its path.
fn type_name(ty: &str) -> &str {
    ty.rsplit("::").next().unwrap_or(ty).trim()
}

/// Whether running `g` needs the layouts of its struct parameters: it
/// passes a struct to a call or reads a callee's gradient entry.
pub(super) fn needs_layouts(g: &Graph) -> bool {
    g.nodes.iter().any(|n| match &n.op {
        Op::Call(c) => c.args.iter().any(|a| matches!(a, CallArg::Struct(_))),
        Op::AddStruct(_) | Op::StructDot(_) => true,
        _ => false,
    })
}

/// The layout of each struct parameter the callees know (`None` for any
/// other parameter).
pub(super) fn layouts<T>(g: &Graph, callees: &dyn super::Callees<T>) -> Vec<Option<Layout>> {
    g.params
        .iter()
        .map(|p| {
            let (Some(ty), Some(fields), None) = (&p.struct_ty, &p.fields, p.slice) else {
                return None;
            };
            let name = quote::ToTokens::to_token_stream(ty).to_string();
            let paths = callees.layout(type_name(&name))?;
            let pos: HashMap<Vec<Seg>, usize> = (paths.iter().cloned())
                .enumerate()
                .map(|(i, p)| (p, i))
                .collect();
            let mut slot = vec![usize::MAX; paths.len()];
            let mut float_of = Vec::with_capacity(paths.len());
            for f in fields {
                let j = *pos.get(&f.segs).unwrap_or_else(|| {
                    panic!(
                        "the field {} of `{}` is not in its struct's layout",
                        f.text(),
                        p.name
                    )
                });
                slot[j] = float_of.len();
                float_of.push(j);
            }
            for (j, s) in slot.iter_mut().enumerate() {
                if *s == usize::MAX {
                    *s = float_of.len();
                    float_of.push(j);
                }
            }
            Some(Layout {
                paths,
                pos,
                slot,
                float_of,
            })
        })
        .collect()
}

/// The layout of parameter `param`, or why there is none.
fn layout_of<'s, T>(
    g: &Graph,
    st: &'s State<'_, T>,
    param: usize,
) -> Result<&'s Layout, EvalError> {
    st.layouts
        .get(param)
        .and_then(Option::as_ref)
        .ok_or_else(|| {
            EvalError::OpaqueCall(format!(
                "the struct `{}` passed whole (its layout is unknown)",
                g.params[param].name
            ))
        })
}

/// The float at `path` in struct parameter `param`.
fn param_float<T: Scalar>(
    g: &Graph,
    args: Args<'_, T>,
    st: &State<'_, T>,
    param: usize,
    path: &[Seg],
) -> Result<T, EvalError> {
    let layout = layout_of(g, st, param)?;
    let j = *layout
        .pos
        .get(path)
        .unwrap_or_else(|| panic!("no float at {path:?} in `{}`", g.params[param].name));
    args[param].get(layout.slot[j]).copied().ok_or_else(|| {
        EvalError::OpaqueCall(format!(
            "the struct `{}` passed whole (its argument holds only the fields the body reads)",
            g.params[param].name
        ))
    })
}

/// The value of a struct argument: every float of its type, by path, in
/// layout order. Each float is found by walking down the argument's
/// expression along its path (a literal's field, else its `..rest`).
fn arg_value<T: Scalar>(
    g: &Graph,
    args: Args<'_, T>,
    st: &State<'_, T>,
    a: &StructArg,
) -> Result<(Vec<Vec<Seg>>, Vec<T>), EvalError> {
    if !a.results.is_empty() {
        return Err(EvalError::OpaqueCall(
            "a call's struct result passed on whole (its layout is unknown)".to_string(),
        ));
    }
    let paths: Vec<Vec<Seg>> = match &a.expr {
        StructExpr::Path { param, path } => (layout_of(g, st, *param)?.paths.iter())
            .filter_map(|p| p.strip_prefix(path.as_slice()).map(<[Seg]>::to_vec))
            .collect(),
        StructExpr::Lit { ty, .. } => st.callees.layout(type_name(ty)).ok_or_else(|| {
            EvalError::OpaqueCall(format!("a `{ty}` value (its layout is unknown)"))
        })?,
        StructExpr::Elem(_) | StructExpr::Array(_) | StructExpr::Res(_) => {
            panic!("a struct argument is a path or a literal: the graph is ill-typed")
        }
    };
    let elem = |i: usize| {
        st.vals[a.elems[i].index()]
            .unwrap_or_else(|| panic!("{:?} used before it is defined", a.elems[i]))
            .num()
    };
    let mut values = Vec::with_capacity(paths.len());
    for path in &paths {
        let (mut e, mut rest) = (&a.expr, path.as_slice());
        let v = loop {
            match e {
                StructExpr::Lit {
                    fields, rest: base, ..
                } => {
                    let field = match rest.first() {
                        Some(Seg::Field(f)) => fields.iter().find(|(name, _)| name == f),
                        _ => None,
                    };
                    match (field, base) {
                        (Some((_, fe)), _) => {
                            e = fe;
                            rest = &rest[1..];
                        }
                        (None, Some(b)) => e = b,
                        (None, None) => panic!("a struct literal without {rest:?} nor `..`"),
                    }
                }
                StructExpr::Path { param, path } => {
                    let full: Vec<Seg> = path.iter().chain(rest).cloned().collect();
                    break param_float(g, args, st, *param, &full)?;
                }
                StructExpr::Elem(i) => break elem(*i),
                StructExpr::Res(_) => unreachable!("checked above: no result parts"),
                StructExpr::Array(items) => match rest {
                    [Seg::Index(j)] => break elem(items[*j]),
                    _ => panic!("an array field read at {rest:?}: the graph is ill-typed"),
                },
            }
        };
        values.push(v);
    }
    Ok((paths, values))
}

/// A call with struct arguments: their values go to
/// [`Callees::call_structs`](super::Callees::call_structs), and the
/// callee's gradient entries are kept for the statements that read them.
pub(super) fn call<T: Scalar>(
    g: &Graph,
    c: &Call,
    reads: &[T],
    args: Args<'_, T>,
    st: &mut State<'_, T>,
) -> Result<Vec<T>, EvalError> {
    let mut structs = Vec::new();
    let mut at = Vec::new();
    for (k, a) in c.args.iter().enumerate() {
        if let CallArg::Struct(s) = a {
            let (paths, values) = arg_value(g, args, st, s)?;
            structs.push(values);
            at.push((k, paths));
        }
    }
    let want = st.entries_wanted.contains(&c.value);
    let (results, entries) = st.callees.call_structs(c, reads, &structs, want)?;
    if want {
        assert_eq!(
            entries.len(),
            at.len(),
            "a callee gives every struct argument's entry"
        );
        for ((k, paths), entry) in at.into_iter().zip(entries) {
            assert_eq!(
                paths.len(),
                entry.len(),
                "an entry has the argument's layout"
            );
            st.entries.insert((c.value, k), (paths, entry));
        }
    }
    Ok(results)
}

/// The floats of entry `(call, arg)` that `accum` takes: (path in the
/// parameter, value).
fn taken<T: Scalar>(
    st: &State<'_, T>,
    call: crate::ir::NodeId,
    arg: usize,
    accum: &StructAccum,
) -> Vec<(Vec<Seg>, T)> {
    let (paths, entry) = st
        .entries
        .get(&(call, arg))
        .expect("a call's entry is read after the call");
    paths
        .iter()
        .zip(entry)
        .filter_map(|(p, v)| {
            let r = p.strip_prefix(accum.source.as_slice())?;
            if accum.zero.iter().any(|z| r.starts_with(z)) {
                return None;
            }
            Some((accum.target.iter().chain(r).cloned().collect(), *v))
        })
        .collect()
}

/// `d_<param><target> += coeff · entry<source>`: into the parameter's
/// whole-struct gradient.
pub(super) fn add_struct<T: Scalar>(
    g: &Graph,
    a: &AddStruct,
    st: &mut State<'_, T>,
) -> Result<(), EvalError> {
    let coeff = st.vals[a.coeff.index()]
        .unwrap_or_else(|| panic!("{:?} used before it is defined", a.coeff))
        .num();
    let param = a.accum.param;
    let adds = taken(st, a.call_value, a.arg, &a.accum);
    let layout = layout_of(g, st, param)?;
    let idx: Vec<usize> = adds
        .iter()
        .map(|(p, _)| {
            *layout
                .pos
                .get(p)
                .unwrap_or_else(|| panic!("no float at {p:?} in `{}`", g.params[param].name))
        })
        .collect();
    let n = layout.paths.len();
    let grad = &mut st.struct_grads[param];
    if grad.is_empty() {
        *grad = vec![T::from_f64(0.0); n];
    }
    for (j, (_, v)) in idx.into_iter().zip(adds) {
        grad[j] = grad[j] + coeff * v;
    }
    Ok(())
}

/// `Σ entry<source> · tangent<target>`, the tangent read from the
/// direction parameter.
pub(super) fn struct_dot<T: Scalar>(
    g: &Graph,
    d: &StructDot,
    args: Args<'_, T>,
    st: &State<'_, T>,
) -> Result<T, EvalError> {
    if d.from_result.is_some() {
        return Err(EvalError::OpaqueCall(
            "a call's struct result passed on whole (its tangent is unknown)".to_string(),
        ));
    }
    let mut sum = T::from_f64(0.0);
    for (p, v) in taken(st, d.call_value, d.arg, &d.accum) {
        sum = sum + v * param_float(g, args, st, d.tangent, &p)?;
    }
    Ok(sum)
}

/// The gradient output of struct parameter `param`, one element per
/// element of its argument: the body's reads (`by_field`, in field order)
/// plus what calls added into it whole.
pub(super) fn param_gradient<T: Scalar>(
    st: &State<'_, T>,
    param: usize,
    by_field: Vec<T>,
    len: usize,
) -> Vec<T> {
    let zero = T::from_f64(0.0);
    let whole = &st.struct_grads[param];
    let layout = st.layouts.get(param).and_then(Option::as_ref);
    (0..len.max(by_field.len()))
        .map(|i| {
            let own = by_field.get(i).copied().unwrap_or(zero);
            match layout {
                Some(l) if !whole.is_empty() => own + whole[l.float_of[i]],
                _ => own,
            }
        })
        .collect()
}
