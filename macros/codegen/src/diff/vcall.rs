//! The derivative sweeps through a call of a helper returning several
//! floats (see [`crate::ir::call`]): reverse mode calls the helper's VJP
//! with its elements' adjoints, forward mode its JVP with the arguments'
//! tangents. Neither forms the helper's Jacobian.

use super::reverse::{accumulate, Adjoints};
use super::{is_active, set_active};
use crate::ir::{AddStruct, Builder, Call, CallArg, CallSweep, NodeId, Op};

/// A call node like `c` through `sweep`, with a fresh unread value and,
/// for each argument element (argument `k`, element `i`, node `x`), a
/// result when `wanted(k, i, x)` says so, paired with `x`.
fn derived_call(
    b: &mut Builder<'_>,
    c: &Call,
    sweep: CallSweep,
    outs: usize,
    wanted: impl Fn(usize, usize, NodeId) -> bool,
) -> (NodeId, Vec<(NodeId, NodeId)>, Vec<NodeId>) {
    let span = b.span;
    let id = b.push(Op::Const(0.0));
    let value = b.graph.add(Op::Result(id), span);
    let mut pairs = Vec::new();
    let partials = c
        .args
        .iter()
        .enumerate()
        .map(|(k, a)| {
            a.elements()
                .iter()
                .enumerate()
                .map(|(i, &x)| {
                    wanted(k, i, x).then(|| {
                        let r = b.graph.add(Op::Result(id), span);
                        pairs.push((x, r));
                        r
                    })
                })
                .collect()
        })
        .collect();
    let outs: Vec<NodeId> = (0..outs)
        .map(|_| b.graph.add(Op::Result(id), span))
        .collect();
    b.graph.nodes[id.index()].op = Op::Call(Box::new(Call {
        path: c.path.clone(),
        args: c.args.clone(),
        value,
        partials,
        arg_spans: c.arg_spans.clone(),
        by_ref: c.by_ref.clone(),
        method: c.method,
        outs: outs.clone(),
        tuple: c.tuple,
        struct_out: c.struct_out.clone(),
        // (the tangent of a scalar helper's VJP call keeps its floats)
        scalar_vjp: (!c.is_vector() && matches!(sweep, CallSweep::Vjp(_) | CallSweep::Jvp(_)))
            || (c.scalar_vjp && matches!(sweep, CallSweep::VjpJvp(_))),
        sweep,
    }));
    (id, pairs, outs)
}

/// Points each local buffer that the derivative call `id` passes whole
/// ([`CallArg::Local`]) at its sink `sink(buf)`: its adjoint buffer for a
/// VJP, its tangent buffer for a JVP (none: the callee's zero sink).
fn set_sinks(
    b: &mut Builder<'_>,
    id: NodeId,
    sink: impl Fn(&crate::ir::Graph, NodeId) -> Option<NodeId>,
) {
    let mut op = std::mem::replace(&mut b.graph.nodes[id.index()].op, Op::Const(0.0));
    if let Op::Call(d) = &mut op {
        for a in &mut d.args {
            if let CallArg::Local { buf, sink: s } = a {
                *s = sink(b.graph, *buf);
            }
        }
    }
    b.graph.nodes[id.index()].op = op;
}

/// The error for a call's struct result passed on whole to a helper
/// returning several floats (see [`crate::ir::ResultPart`]).
const RESULT_TO_VECTOR: &str =
    "a struct result bound to a name is passed on whole only to a function returning one float for now: \
     take it apart with a struct pattern, `let State { x, v } = f(…);`, and pass a literal, `State { x, v }`";

/// Reverse sweep of the vector call `c` (node `n`): its arguments receive
/// the helper's VJP seeded with the adjoints of its elements.
pub(super) fn reverse(
    b: &mut Builder<'_>,
    n: NodeId,
    c: &Call,
    adj: &mut Adjoints,
    active: &mut Vec<bool>,
) {
    if let CallSweep::Vjp(cots) = &c.sweep {
        return reverse_vjp(b, n, c, cots, adj, active);
    }
    // the other derivative calls are only made by sweeps, never swept again
    if !matches!(c.sweep, CallSweep::Value) {
        return;
    }
    // a scalar helper passed a slice: its value's adjoint
    let cots: Vec<Option<NodeId>> = if c.is_vector() {
        c.outs.iter().map(|o| adj.get(o).copied()).collect()
    } else {
        vec![adj.get(&c.value).copied()]
    };
    if cots.iter().all(Option::is_none) {
        return;
    }
    b.span = b.graph.node(n).span;
    if c.passes_result_whole() {
        b.graph
            .unsupported
            .push((b.span, RESULT_TO_VECTOR.to_string()));
        return;
    }
    let cots = cots
        .into_iter()
        .map(|d| d.unwrap_or_else(|| b.constant(0.0)))
        .collect();
    let (id, pairs, _) = derived_call(b, c, CallSweep::Vjp(cots), 0, |_, _, x| {
        is_active(active, x)
    });
    // a local buffer's gradient is added into its adjoint buffer
    set_sinks(b, id, |g, buf| match g.op(buf) {
        Op::Buf(crate::ir::BufOp::New { adj, .. }) => *adj,
        _ => None,
    });
    for (x, r) in pairs {
        set_active(active, r, true);
        accumulate(b, adj, x, r);
    }
    // parts of struct parameters passed whole: the VJP's entry for them
    // (already scaled by the cotangent) is added into their gradients
    let value = match b.graph.op(id) {
        Op::Call(d) => d.value,
        _ => unreachable!("derived_call pushes a call node"),
    };
    let one = if c
        .args
        .iter()
        .any(|a| matches!(a, CallArg::Struct(s) if !s.accums.is_empty()))
    {
        Some(b.constant(1.0))
    } else {
        None
    };
    for (k, a) in c.args.iter().enumerate() {
        let (CallArg::Struct(s), Some(one)) = (a, one) else {
            continue;
        };
        for accum in &s.accums {
            b.push(Op::AddStruct(Box::new(crate::ir::AddStruct {
                call_value: value,
                entry_of: None,
                tangent: false,
                arg: k,
                accum: accum.clone(),
                coeff: one,
            })));
        }
    }
}

/// Reverse sweep of a VJP call `(y, x̄) = h_vjp(x, u)` written in a body,
/// `x̄ = Jᵀu`, given the adjoints `w` of its gradient entries: `ū += J·w`
/// (the helper's JVP along `w`) and `x̄' += Σᵢ uᵢ·Hᵢ·w` (the tangent of
/// its VJP along `w` with the cotangent held, `vjp_jvp(x, u, w, 0)`; each
/// Hᵢ is symmetric). The value `y` is a separate call of the helper.
fn reverse_vjp(
    b: &mut Builder<'_>,
    n: NodeId,
    c: &Call,
    cots: &[NodeId],
    adj: &mut Adjoints,
    active: &mut Vec<bool>,
) {
    let ws: Vec<Option<NodeId>> = c
        .partials
        .iter()
        .flatten()
        .map(|p| p.and_then(|p| adj.get(&p).copied()))
        .collect();
    if ws.iter().all(Option::is_none) {
        return;
    }
    b.span = b.graph.node(n).span;
    let zero = b.constant(0.0);
    // one direction entry per argument element, zero where no partial
    let mut w = Vec::new();
    let mut it = ws.into_iter();
    for (a, ps) in c.args.iter().zip(&c.partials) {
        for k in 0..a.elements().len() {
            w.push(match ps.get(k).copied().flatten() {
                Some(_) => it.next().flatten().unwrap_or(zero),
                None => zero,
            });
        }
    }
    if cots.iter().any(|&u| is_active(active, u)) {
        let (_, _, jw) = derived_call(b, c, CallSweep::Jvp(w.clone()), cots.len(), |_, _, _| false);
        for (&u, t) in cots.iter().zip(jw) {
            if is_active(active, u) {
                set_active(active, t, true);
                accumulate(b, adj, u, t);
            }
        }
    }
    let mut nodes = cots.to_vec();
    nodes.extend(w);
    nodes.extend(cots.iter().map(|_| zero));
    let (_, pairs, _) = derived_call(b, c, CallSweep::VjpJvp(nodes), 0, |_, _, x| {
        is_active(active, x)
    });
    for (x, r) in pairs {
        set_active(active, r, true);
        accumulate(b, adj, x, r);
    }
}

/// Forward sweep of the vector call `c`: the tangents of its elements from
/// the helper's JVP along the arguments' tangents (`tangent(x)`, `None`
/// for a constant argument); `None` when no argument has a tangent.
pub(super) fn forward(
    b: &mut Builder<'_>,
    c: &Call,
    tangent: impl Fn(NodeId) -> Option<NodeId>,
) -> Option<Vec<NodeId>> {
    if !matches!(c.sweep, CallSweep::Value) {
        return None;
    }
    if c.passes_result_whole() {
        let span = b.span;
        b.graph
            .unsupported
            .push((span, RESULT_TO_VECTOR.to_string()));
        return None;
    }
    let elems: Vec<NodeId> = c.args.iter().flat_map(|a| a.elements().to_vec()).collect();
    let ts: Vec<Option<NodeId>> = elems.iter().map(|&x| tangent(x)).collect();
    // a part of a struct parameter passed whole has a tangent in a derived
    // function with a direction (see `Graph::struct_directions`)
    let whole = passes_whole(b, c);
    if ts.iter().all(Option::is_none) && !whole {
        return None;
    }
    let ts = ts
        .into_iter()
        .map(|t| t.unwrap_or_else(|| b.constant(0.0)))
        .collect();
    let (_, _, outs) = derived_call(b, c, CallSweep::Jvp(ts), c.outs.len(), |_, _, _| false);
    Some(outs)
}

/// Forward sweep of the call `c` passing a differentiable slice on
/// ([`Call::has_slice`]): the helper's JVP along the arguments' tangents
/// (zero for a constant element) and the slices' directions, made even
/// when no element has a tangent (the slices have one); the tangents of
/// its result, one per element (the value's for a scalar helper).
pub(super) fn forward_slices(
    b: &mut Builder<'_>,
    c: &Call,
    tangent: impl Fn(NodeId) -> Option<NodeId>,
) -> Vec<(NodeId, NodeId)> {
    if !matches!(c.sweep, CallSweep::Value) {
        return Vec::new();
    }
    let mut zero = None;
    let ts = c
        .args
        .iter()
        .flat_map(|a| a.elements().to_vec())
        .map(|x| tangent(x).unwrap_or_else(|| *zero.get_or_insert_with(|| b.constant(0.0))))
        .collect();
    let results = if c.is_vector() {
        c.outs.clone()
    } else {
        vec![c.value]
    };
    let (id, _, outs) = derived_call(b, c, CallSweep::Jvp(ts), results.len(), |_, _, _| false);
    // a local buffer's tangent is its tangent buffer
    set_sinks(b, id, |_, buf| tangent(buf));
    results.into_iter().zip(outs).collect()
}

/// Forward sweep of the VJP call `c` that a reverse sweep made (forward
/// over reverse): the tangents of its gradient entries, from the helper's
/// `vjp_jvp` along the arguments' tangents and the cotangents' tangents
/// (`tangent(x)`, `None` for a constant), as (entry, tangent) pairs.
/// Nothing when neither has a tangent, unless a slice is passed on
/// ([`Call::has_slice`]): the slice has its direction, and the call is
/// the helper's hidden `hvp_into`, which adds into the slice's H·v buffer;
/// or a part of a struct parameter is passed whole: it has its direction,
/// and the new call's entry for it is the tangent of the entry the
/// reverse sweep's `AddStruct` reads (see [`forward_add_struct`]). Also
/// returns the new call's value node, whose entries are named after it.
pub(super) fn forward_vjp(
    b: &mut Builder<'_>,
    c: &Call,
    tangent: impl Fn(NodeId) -> Option<NodeId>,
) -> (Vec<(NodeId, NodeId)>, Option<NodeId>) {
    let CallSweep::Vjp(cots) = &c.sweep else {
        return (Vec::new(), None);
    };
    let elems: Vec<NodeId> = c.args.iter().flat_map(|a| a.elements().to_vec()).collect();
    let ts: Vec<Option<NodeId>> = elems.iter().map(|&x| tangent(x)).collect();
    let cts: Vec<Option<NodeId>> = cots.iter().map(|&u| tangent(u)).collect();
    if ts.iter().chain(&cts).all(Option::is_none) && !c.has_slice() && !passes_whole(b, c) {
        return (Vec::new(), None);
    }
    let mut zero = None;
    let mut nodes = cots.clone();
    for t in ts.into_iter().chain(cts) {
        nodes.push(t.unwrap_or_else(|| *zero.get_or_insert_with(|| b.constant(0.0))));
    }
    let wanted = |k: usize, i: usize, _| c.partials[k].get(i).copied().flatten().is_some();
    let (id, pairs, _) = derived_call(b, c, CallSweep::VjpJvp(nodes), 0, wanted);
    // `derived_call` pairs each new entry with its argument element; the
    // entry it is the tangent of is the VJP's entry at the same place
    let old: Vec<NodeId> = c.partials.iter().flatten().flatten().copied().collect();
    let pairs = old
        .into_iter()
        .zip(pairs.into_iter().map(|(_, r)| r))
        .collect();
    let value = match b.graph.op(id) {
        Op::Call(d) => d.value,
        _ => unreachable!("derived_call pushes a call node"),
    };
    (pairs, Some(value))
}

/// Whether `c` passes a part of a differentiable struct parameter whole
/// that a derived function's direction gives a tangent
/// ([`crate::ir::Graph::struct_directions`]).
fn passes_whole(b: &Builder<'_>, c: &Call) -> bool {
    c.args.iter().any(|a| {
        matches!(a, CallArg::Struct(s) if s.accums.iter().any(|x| {
            b.graph.struct_directions.iter().any(|(p, _)| *p == x.param)
        }))
    })
}

/// The tangent of the reverse sweep's `d_s += coeff · entry` reading the
/// entry of a helper's VJP call (an [`AddStruct`] with no `entry_of`) in
/// a forward sweep over it: `hv_s += ċoeff · entry + coeff · ėntry`,
/// `ėntry` being the entry of the VJP call's tangent `vjp_jvp` (the call
/// whose value is `tangent_call`, see [`forward_vjp`]; none when nothing
/// the VJP reads has a tangent).
pub(super) fn forward_add_struct(
    b: &mut Builder<'_>,
    a: &AddStruct,
    coeff_tangent: Option<NodeId>,
    tangent_call: Option<NodeId>,
) {
    if let Some(t) = coeff_tangent {
        b.push(Op::AddStruct(Box::new(AddStruct {
            coeff: t,
            tangent: true,
            ..a.clone()
        })));
    }
    if let Some(v) = tangent_call {
        b.push(Op::AddStruct(Box::new(AddStruct {
            call_value: v,
            tangent: true,
            ..a.clone()
        })));
    }
}
