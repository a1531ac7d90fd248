//! The derivative of a nested gradient call `(v, g) = h_grad(x)` (see
//! [`crate::ir::nested`]): `∂v/∂x = g` and `∂g/∂x = H`, the callee's
//! Hessian, which is only ever applied to a vector through the callee's
//! HVP. Reverse mode: `x̄ += v̄·g + H·ḡ`. Forward mode: `v̇ = g·ẋ`,
//! `ġ = H·ẋ`.

use super::is_active;
use super::reverse::{accumulate, Adjoints};
use crate::ir::{Builder, Graph, Nested, NestedKind, NodeId, Op};

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
        .filter(|(_, n)| matches!(&n.op, Op::Call(c) if c.is_plain_scalar()))
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
        let inert: Vec<bool> = c
            .args
            .iter()
            .map(|a| !a.elements().iter().any(|&x| is_active(&active, x)))
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

/// Adds the callee's HVP at `c`'s arguments along `dirs` (per argument,
/// per element; `None` is a zero) and returns `H·dirs` flattened like the
/// gradient.
pub(super) fn push_hvp(b: &mut Builder<'_>, c: &Nested, dirs: &[Option<NodeId>]) -> Vec<NodeId> {
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
    outs
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
    let hv = dg.iter().any(Option::is_some).then(|| push_hvp(b, c, &dg));
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
}

/// Forward sweep through the gradient call `c`, given each argument
/// element's tangent: the value's tangent `g·ẋ` and the gradient's `H·ẋ`
/// (one HVP), as (node, tangent) pairs.
pub(super) fn forward_nested(
    b: &mut Builder<'_>,
    c: &Nested,
    tangent: impl Fn(NodeId) -> Option<NodeId>,
) -> Vec<(NodeId, NodeId)> {
    if c.kind != NestedKind::Grad {
        b.graph.unsupported.push((
            c.span.0,
            "a Hessian of a function that calls another function's gradient (a third derivative) is not supported: remove `hessian`"
                .to_string(),
        ));
        return Vec::new();
    }
    let ts: Vec<Option<NodeId>> = c.elements().into_iter().map(tangent).collect();
    if ts.iter().all(Option::is_none) {
        return Vec::new();
    }
    let mut value = None;
    for (t, &g) in ts.iter().zip(c.grads()) {
        if let Some(t) = t {
            let term = b.mul(g, *t);
            value = Some(match value {
                Some(v) => b.add(v, term),
                None => term,
            });
        }
    }
    let hv = push_hvp(b, c, &ts);
    let mut out: Vec<(NodeId, NodeId)> = c.grads().iter().copied().zip(hv).collect();
    if let Some(v) = value {
        out.push((c.outs[0], v));
    }
    out
}
