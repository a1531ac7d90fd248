//! The derivative of a nested gradient call `(v, g) = h_grad(x)` (see
//! [`crate::ir::nested`]): `∂v/∂x = g` and `∂g/∂x = H`, the callee's
//! Hessian, which is only ever applied to a vector through the callee's
//! HVP. Reverse mode: `x̄ += v̄·g + H·ḡ`. Forward mode: `v̇ = g·ẋ`,
//! `ġ = H·ẋ`.

use super::is_active;
use super::reverse::{accumulate, Adjoints};
use crate::ir::{
    AddStruct, Builder, CallArg, Graph, Nested, NestedKind, NodeId, Op, StructAccum, StructDot,
};

/// Before a second-order sweep: each call `h(x)` of a scalar helper, whose
/// forward pass computes `h`'s value and gradient through `h::pullback`,
/// becomes the nested gradient call it already is (value, then the
/// partials as the gradient), so that the forward sweep over the reverse
/// one takes the partials' tangents from `h`'s HVP. The generated call is
/// the same `h::pullback`; `h` needs `#[differentiable(hessian)]` for its
/// `hvp_pullback`. [`super::higher::unsupported`] has turned away the
/// other calls.
pub(super) fn calls_as_nested(g: &mut Graph) {
    let calls: Vec<NodeId> = g
        .nodes
        .iter()
        .enumerate()
        // (a call passing a slice on is swept through the callee's
        // `vjp_into` and its tangent `hvp_into`, see `vcall`)
        .filter(|(_, n)| matches!(&n.op, Op::Call(c) if c.is_plain_scalar() && !c.has_slice()))
        .map(|(i, _)| NodeId(i as u32))
        .collect();
    if calls.is_empty() {
        return;
    }
    let active = super::activity(g, |k, _| g.params[k].diff);
    for id in calls {
        let span = g.node(id).span;
        let Op::Call(c) = g.nodes[id.index()].op.clone() else {
            continue;
        };
        // (a part of a differentiable struct parameter passed whole is
        // never inert: its entry is added into the parameter's gradient)
        let inert: Vec<bool> = c
            .args
            .iter()
            .map(|a| !a.elements().iter().any(|&x| is_active(&active, x)) && accums(a).is_empty())
            .collect();
        let mut outs = vec![c.value];
        for ((arg, parts), &inert) in c.args.iter().zip(&c.partials).zip(&inert) {
            if inert {
                continue;
            }
            for k in 0..arg.elements().len() {
                // a partial nothing reads may have been dropped
                outs.push(match parts.get(k).copied().flatten() {
                    Some(p) => p,
                    None => g.add(Op::Result(id), span),
                });
            }
        }
        g.nodes[id.index()].op = Op::Nested(Box::new(Nested {
            path: c.path,
            args: c.args,
            by_ref: c.by_ref,
            arg_spans: c.arg_spans,
            span: crate::ir::nested::SpanEq(span),
            kind: NestedKind::Grad,
            outs,
            plain_call: true,
            method: c.method,
            inert,
        }));
    }
}

/// The parts of struct parameters an argument passes whole.
fn accums(a: &CallArg) -> &[StructAccum] {
    match a {
        CallArg::Struct(s) => &s.accums,
        _ => &[],
    }
}

/// Whether `c` passes a part of a differentiable struct parameter whole
/// that a derived function's direction gives a tangent
/// ([`crate::ir::Graph::struct_directions`]).
fn struct_tangents(g: &Graph, c: &Nested) -> bool {
    c.args
        .iter()
        .flat_map(accums)
        .any(|a| g.struct_directions.iter().any(|(p, _)| *p == a.param))
}

/// Adds the callee's HVP at `c`'s arguments along `dirs` (per argument,
/// per element; `None` is a zero; a part of a struct parameter passed
/// whole goes along that parameter's direction) and returns the HVP node
/// (whose entries `AddStruct` reads) and `H·dirs` flattened like the
/// gradient.
pub(super) fn push_hvp(
    b: &mut Builder<'_>,
    c: &Nested,
    dirs: &[Option<NodeId>],
) -> (NodeId, Vec<NodeId>) {
    let mut zero = None;
    let mut per_arg = Vec::with_capacity(c.args.len());
    let mut at = 0;
    for (a, &inert) in c.args.iter().zip(&c.inert) {
        let k = if inert { 0 } else { a.elements().len() };
        let mut v = Vec::with_capacity(k);
        for d in &dirs[at..at + k] {
            v.push(match d {
                Some(d) => *d,
                None => *zero.get_or_insert_with(|| b.constant(0.0)),
            });
        }
        per_arg.push(v);
        at += k;
    }
    let id = b.push(Op::Const(0.0));
    let span = b.span;
    let outs: Vec<NodeId> = (0..at).map(|_| b.graph.add(Op::Result(id), span)).collect();
    b.graph.nodes[id.index()].op = Op::Nested(Box::new(Nested {
        kind: NestedKind::Hvp { dirs: per_arg },
        outs: outs.clone(),
        ..c.clone()
    }));
    (id, outs)
}

/// Reverse sweep through the gradient call `n`: one HVP along the
/// gradient's adjoints, plus the value's adjoint times the gradient.
pub(super) fn reverse_nested(
    b: &mut Builder<'_>,
    n: NodeId,
    c: &Nested,
    adj: &mut Adjoints,
    active: &[bool],
) {
    if c.kind != NestedKind::Grad {
        // an HVP node is only built by a sweep, never swept again here
        b.graph.unsupported.push((
            c.span.0,
            "differentiating the Hessian-vector product of a nested gradient (a third derivative) is not supported"
                .to_string(),
        ));
        return;
    }
    let dv = adj.get(&c.outs[0]).copied();
    let dg: Vec<Option<NodeId>> = c.grads().iter().map(|g| adj.get(g).copied()).collect();
    if dv.is_none() && dg.iter().all(Option::is_none) {
        return;
    }
    b.span = b.graph.node(n).span;
    let hv = dg
        .iter()
        .any(Option::is_some)
        .then(|| push_hvp(b, c, &dg).1);
    for (i, x) in c.elements().into_iter().enumerate() {
        if !is_active(active, x) {
            continue;
        }
        let by_value = dv.map(|dv| b.mul(dv, c.grads()[i]));
        let t = match (by_value, &hv) {
            (Some(t), Some(hv)) => b.add(t, hv[i]),
            (Some(t), None) => t,
            (None, Some(hv)) => hv[i],
            (None, None) => continue,
        };
        accumulate(b, adj, x, t);
    }
    // parts of struct parameters passed whole: the callee's entry for
    // them, scaled by the value's adjoint, added into their gradients
    let Some(dv) = dv else { return };
    for (k, a) in c.args.iter().enumerate() {
        for accum in accums(a) {
            b.push(Op::AddStruct(Box::new(AddStruct {
                call_value: c.outs[0],
                entry_of: Some(n),
                tangent: false,
                arg: k,
                accum: accum.clone(),
                coeff: dv,
            })));
        }
    }
}

/// Forward sweep through the gradient call `n`, given each argument
/// element's tangent: the value's tangent `g·ẋ` and the gradient's `H·ẋ`
/// (one HVP), as (node, tangent) pairs, and the HVP node, if any (whose
/// entries for the parts of struct parameters passed whole are the
/// tangents of the entries the reverse sweep's `AddStruct` reads).
pub(super) fn forward_nested(
    b: &mut Builder<'_>,
    n: NodeId,
    c: &Nested,
    tangent: impl Fn(NodeId) -> Option<NodeId>,
) -> (Vec<(NodeId, NodeId)>, Option<NodeId>) {
    if c.kind != NestedKind::Grad {
        b.graph.unsupported.push((
            c.span.0,
            "a Hessian of a function that calls another function's gradient (a third derivative) is not supported: remove `hessian`"
                .to_string(),
        ));
        return (Vec::new(), None);
    }
    let ts: Vec<Option<NodeId>> = c.elements().into_iter().map(tangent).collect();
    let structs = struct_tangents(b.graph, c);
    if ts.iter().all(Option::is_none) && !structs {
        return (Vec::new(), None);
    }
    let mut value = None;
    let mut add = |b: &mut Builder<'_>, term: NodeId| {
        value = Some(match value {
            Some(v) => b.add(v, term),
            None => term,
        });
    };
    for (t, &g) in ts.iter().zip(c.grads()) {
        if let Some(t) = t {
            let term = b.mul(g, *t);
            add(b, term);
        }
    }
    // a part of a struct parameter passed whole: its entry dotted with
    // the parameter's direction
    for (k, a) in c.args.iter().enumerate() {
        for accum in accums(a) {
            let dir = b
                .graph
                .struct_directions
                .iter()
                .find(|(p, _)| *p == accum.param);
            if let Some(&(_, tangent)) = dir {
                let d = b.push(Op::StructDot(Box::new(StructDot {
                    call_value: c.outs[0],
                    arg: k,
                    accum: accum.clone(),
                    tangent,
                    entry_of: Some(n),
                    from_result: None,
                })));
                add(b, d);
            }
        }
    }
    let (id, hv) = push_hvp(b, c, &ts);
    let mut out: Vec<(NodeId, NodeId)> = c.grads().iter().copied().zip(hv).collect();
    if let Some(v) = value {
        out.push((c.outs[0], v));
    }
    (out, Some(id))
}

/// The tangent of the reverse sweep's `d_s += coeff · entry` (an
/// [`AddStruct`] reading nested call's entry) in a forward sweep over it:
/// `hv_s += ċoeff · entry + coeff · ėntry`, `ėntry` being the entry of
/// the call's HVP `hvp` (see [`forward_nested`]).
pub(super) fn forward_add_struct(
    b: &mut Builder<'_>,
    a: &AddStruct,
    coeff_tangent: Option<NodeId>,
    hvp: Option<NodeId>,
) {
    if let Some(t) = coeff_tangent {
        b.push(Op::AddStruct(Box::new(AddStruct {
            coeff: t,
            tangent: true,
            ..a.clone()
        })));
    }
    if let Some(h) = hvp {
        b.push(Op::AddStruct(Box::new(AddStruct {
            entry_of: Some(h),
            tangent: true,
            ..a.clone()
        })));
    }
}
