//! Reverse mode: extends a graph with the adjoint of every active value.
//!
//! A reverse sweep over each block: a node's adjoint is complete when the
//! sweep reaches it (every use comes later in the block), and each argument
//! receives the contribution given by the rules table, summed when a value is
//! used more than once. A run-time `if` is reversed by a second `if` on the
//! same condition whose branches recompute the taken branch's forward values
//! and then sweep it backwards; what flows out to values defined outside the
//! branch becomes that `if`'s results. Only values that depend on a
//! differentiable parameter ("active" ones) get adjoints.
//!
//! An `if` nested in a branch is not recomputed with that branch when
//! nothing reads its results but the enclosing `if`'s results and it has no
//! effects ([`shallow_ifs`]): it is reversed from its own node, reading its
//! inputs from the enclosing copy. Copying every nested `if` with each
//! enclosing branch cost time quadratic in the nesting depth.

use std::collections::{HashMap, HashSet};

use super::{activity, is_active, name_derivatives, set_active, Derivatives};
use crate::ir::{Builder, Graph, NodeId, Op};
use crate::rules;

/// Adjoint accumulated so far for each value.
pub(super) type Adjoints = Derivatives;

/// Differentiates the graph's value with respect to every parameter not
/// marked `#[nograd]`, in reverse mode; fills [`Graph::grads`].
pub fn reverse(g: &mut Graph) {
    if let Some(k) = g.checkpoint {
        super::checkpoint::segment_loops(g, k);
    }
    let mut active = activity(g, |k, _| g.params[k].diff);
    super::buffer::prepare(g, &mut active);
    let body = std::mem::take(&mut g.body);
    let span = g.node(g.value).span;
    let mut b = Builder::new(g, span);
    b.shallow = shallow_ifs(&mut b, &body);
    let mut adj = Adjoints::new();
    if is_active(&active, b.graph.value) {
        let one = b.constant(1.0);
        adj.insert(b.graph.value, one);
    }
    reverse_block(&mut b, &body.nodes, &mut adj, &mut active);
    name_derivatives(b.graph, &body.nodes, &adj);
    let backward = std::mem::take(&mut b.block);

    let mut grads = Vec::new();
    // each parameter element's node, found once (a search per element was
    // quadratic in the length of an array parameter)
    let mut param_nodes = std::collections::HashMap::new();
    for &n in &body.nodes {
        if let Op::Param { param, index } = *b.graph.op(n) {
            param_nodes.entry((param, index)).or_insert(n);
        }
    }
    for (k, p) in b.graph.params.clone().iter().enumerate() {
        if !p.diff {
            continue;
        }
        if p.slice.is_some() {
            // added into its gradient buffer by `Store` nodes
            grads.push(Vec::new());
            continue;
        }
        let elems = (0..p.len.unwrap_or(1))
            .map(|i| {
                let index = p.len.map(|_| i);
                let node = *param_nodes
                    .get(&(k, index))
                    .expect("lowering creates one node per parameter element");
                adj.get(&node).copied().unwrap_or_else(|| b.constant(0.0))
            })
            .collect();
        grads.push(elems);
    }
    let zeros = std::mem::take(&mut b.block);
    g.body = body;
    g.body.nodes.extend(backward.nodes);
    let mut body = std::mem::take(&mut g.body);
    super::undone::drop_final_undos(g, &mut body);
    g.body = body;
    super::buffer::drop_unread_logs(g);
    g.body.nodes.extend(zeros.nodes);
    g.grads = grads;
}

/// The `if`s nested in a branch that the reverse sweep need not recompute
/// with their enclosing branch: no effects in their blocks, and no node
/// reads their results (an enclosing `if` hands them out, which the sweep
/// reads as adjoints only).
fn shallow_ifs(b: &mut Builder<'_>, body: &crate::ir::Block) -> HashSet<NodeId> {
    let g = &*b.graph;
    let mut read: HashSet<NodeId> = g.outputs().into_iter().collect();
    let mut ifs = Vec::new();
    let mut stack = vec![body];
    while let Some(block) = stack.pop() {
        for &n in &block.nodes {
            let op = g.op(n);
            read.extend(op.args());
            match op {
                Op::If(i) => {
                    ifs.push(n);
                    stack.extend([&i.then, &i.els]);
                }
                Op::Loop(_) => {
                    read.extend(crate::ir::walk::region_reads(op));
                    stack.extend(crate::ir::walk::regions(op));
                }
                _ => {}
            }
        }
    }
    ifs.into_iter()
        .filter(|&n| {
            let Op::If(i) = g.op(n) else { return false };
            i.outs.iter().all(|o| !read.contains(&o.2))
                && !b.effects.in_block(g, &i.then)
                && !b.effects.in_block(g, &i.els)
        })
        .collect()
}

/// Copies a branch for its recomputation, except the `if`s of
/// [`Builder::shallow`]: returns the copy, and the nodes to sweep backwards
/// (the copy, with those `if`s in place).
fn copy_branch(
    b: &mut Builder<'_>,
    block: &crate::ir::Block,
    remap: &mut HashMap<NodeId, NodeId>,
) -> (crate::ir::Block, Vec<NodeId>) {
    let mut copy = crate::ir::Block::default();
    let mut sweep = Vec::with_capacity(block.nodes.len());
    for &n in &block.nodes {
        if b.shallow.contains(&n) {
            sweep.push(n);
            continue;
        }
        let one = crate::ir::Block { nodes: vec![n] };
        let c = b.graph.copy_block_in(&one, remap, &b.outer);
        sweep.extend(c.nodes.iter().copied());
        copy.nodes.extend(c.nodes);
    }
    (copy, sweep)
}

pub(super) fn accumulate(b: &mut Builder<'_>, adj: &mut Adjoints, n: NodeId, c: NodeId) {
    let total = match adj.get(&n) {
        Some(&prev) => b.add(prev, c),
        None => c,
    };
    adj.insert(n, total);
}

pub(super) fn reverse_block(
    b: &mut Builder<'_>,
    nodes: &[NodeId],
    adj: &mut Adjoints,
    active: &mut Vec<bool>,
) {
    for (k, &n) in nodes.iter().enumerate().rev() {
        let op = b.graph.op(n).clone();
        match &op {
            Op::If(_) => reverse_if(b, n, adj, active, &marks_before(b.graph, &nodes[..k])),
            Op::Loop(_) => super::reverse_loop::reverse_loop(
                b,
                n,
                adj,
                active,
                &marks_before(b.graph, &nodes[..k]),
            ),
            Op::Buf(bop) => super::buffer::reverse_buf(b, n, bop, adj, active),
            Op::Nested(c) => super::nested::reverse_nested(b, n, c, adj, active),
            Op::Pick(i, elems) => {
                // the element picked gets the adjoint: `if i == k { d } else { 0 }` for each k
                let Some(&d) = adj.get(&n).filter(|_| is_active(active, n)) else {
                    continue;
                };
                b.span = b.graph.node(n).span;
                for (k, &e) in elems.iter().enumerate() {
                    if is_active(active, e) {
                        let at = b.push(Op::IConst(k));
                        let hit = b.push(Op::ICmp(crate::ir::Cmp::Eq, *i, at));
                        let c = b.mask(hit, d);
                        accumulate(b, adj, e, c);
                    }
                }
            }
            Op::Load { param, row, col } => {
                if let (true, Some(&d)) = (is_active(active, n), adj.get(&n)) {
                    b.span = b.graph.node(n).span;
                    b.push(Op::Store {
                        param: *param,
                        row: *row,
                        col: *col,
                        value: d,
                    });
                }
            }
            Op::Call(c) if c.is_vector() || c.has_slice() => {
                super::vcall::reverse(b, n, c, adj, active)
            }
            Op::Call(c) => {
                let Some(&d) = adj.get(&c.value) else {
                    continue;
                };
                for (x, p) in c.element_partials() {
                    if is_active(active, x) {
                        let t = b.mul(d, p);
                        accumulate(b, adj, x, t);
                    }
                }
                // parts of struct parameters passed whole: added into their gradients
                for (k, a) in c.args.iter().enumerate() {
                    let crate::ir::CallArg::Struct(s) = a else {
                        continue;
                    };
                    b.span = b.graph.node(n).span;
                    // a call's struct result passed on whole: the element
                    // standing for this use gets the scale of the entry,
                    // which the producer's VJP adds into its cotangent
                    for r in &s.results {
                        if is_active(active, r.out) {
                            accumulate(b, adj, r.out, d);
                        }
                    }
                    for accum in &s.accums {
                        b.push(Op::AddStruct(Box::new(crate::ir::AddStruct {
                            call_value: c.value,
                            entry_of: None,
                            tangent: false,
                            arg: k,
                            accum: accum.clone(),
                            coeff: d,
                        })));
                    }
                }
            }
            _ => {
                if !is_active(active, n) {
                    continue;
                }
                let Some(&d) = adj.get(&n) else { continue };
                b.span = b.graph.node(n).span;
                let (args, contribs) = match &op {
                    Op::Prim(p, args) => (args.clone(), p.adjoint(b, args, n, d)),
                    Op::Powi(a, k) => (vec![*a], vec![rules::powi_adjoint(b, *a, *k, d)]),
                    Op::Select(c, x, y) => {
                        let dx = b.mask(*c, d);
                        let zero = b.constant(0.0);
                        let dy = b.select(*c, zero, d);
                        (vec![*x, *y], vec![Some(dx), Some(dy)])
                    }
                    _ => continue,
                };
                for (x, c) in args.into_iter().zip(contribs) {
                    if let Some(c) = c {
                        if is_active(active, x) {
                            accumulate(b, adj, x, c);
                        }
                    }
                }
            }
        }
    }
}

/// The buffer marks put just before an `if` whose branches write buffers
/// (by lowering) or a loop whose iterations write only their own elements
/// (by [`super::buffer::prepare`]): `(buffer, mark)`.
fn marks_before(g: &Graph, before: &[NodeId]) -> Vec<(NodeId, NodeId)> {
    before
        .iter()
        .rev()
        .map_while(|&m| match g.op(m) {
            Op::Buf(crate::ir::BufOp::Mark(buf)) => Some((*buf, m)),
            _ => None,
        })
        .collect()
}

/// Reverses a run-time `if`: see the module docs. `marks` are the log
/// lengths of the buffers its branches write, taken before it: each branch
/// of the reverse `if` first rolls them back, then recomputes.
fn reverse_if(
    b: &mut Builder<'_>,
    n: NodeId,
    adj: &mut Adjoints,
    active: &mut Vec<bool>,
    marks: &[(NodeId, NodeId)],
) {
    let Op::If(i) = b.graph.op(n).clone() else {
        unreachable!("reverse_if is called on If nodes")
    };
    let seeds: Vec<(usize, NodeId)> = i
        .outs
        .iter()
        .enumerate()
        .filter_map(|(k, o)| adj.get(&o.2).map(|&d| (k, d)))
        .collect();
    if seeds.is_empty() && marks.is_empty() {
        return;
    }
    let span = b.graph.node(n).span;
    let mut branches = Vec::new();
    for (block, pick) in [(&i.then, 0), (&i.els, 1)] {
        let saved = std::mem::take(&mut b.block);
        for &(buf, to) in marks {
            b.push(Op::Buf(crate::ir::BufOp::Undo { buf, to }));
        }
        let mut remap = HashMap::new();
        let (copy, sweep) = copy_branch(b, block, &mut remap);
        for (old, new) in &remap {
            let v = is_active(active, *old);
            set_active(active, *new, v);
        }
        b.block.nodes.extend(copy.nodes.iter().copied());
        let mut local = Adjoints::new();
        for &(k, d) in &seeds {
            let o = i.outs[k];
            let v = if pick == 0 { o.0 } else { o.1 };
            // a value from outside the branch: its copy when this `if` is
            // swept from its own node inside an enclosing copy
            let v = remap
                .get(&v)
                .or_else(|| b.outer.get(&v))
                .copied()
                .unwrap_or(v);
            if is_active(active, v) {
                accumulate(b, &mut local, v, d);
            }
        }
        // nested `if`s reversed from their own nodes read this copy
        let added: Vec<NodeId> = remap
            .iter()
            .filter(|(old, new)| b.outer.insert(**old, **new).is_none())
            .map(|(old, _)| *old)
            .collect();
        reverse_block(b, &sweep, &mut local, active);
        for old in added {
            b.outer.remove(&old);
        }
        name_derivatives(b.graph, &copy.nodes, &local);
        // the branch's values: its copy, and the results of the nested
        // `if`s swept from their own nodes
        let mut inside: HashSet<NodeId> = remap.values().copied().collect();
        for &n in sweep.iter().filter(|n| b.shallow.contains(n)) {
            if let Op::If(nested) = b.graph.op(n) {
                inside.extend(nested.outs.iter().map(|o| o.2));
            }
        }
        let escaping: HashMap<NodeId, NodeId> = local
            .into_iter()
            .filter(|(k, _)| !inside.contains(k))
            .collect();
        let block = std::mem::replace(&mut b.block, saved);
        branches.push((block, escaping));
    }
    let mut keys: Vec<NodeId> = branches
        .iter()
        .flat_map(|(_, e)| e.keys().copied())
        .collect();
    keys.sort();
    keys.dedup();
    // adjoints of slice elements are stored inside the branches: such an
    // `if` stays even when no adjoint flows out of it
    let effects = branches
        .iter()
        .any(|(block, _)| b.effects.in_block(b.graph, block));
    if keys.is_empty() && !effects {
        return;
    }
    let if_id = b.push(Op::Const(0.0));
    b.graph.nodes[if_id.index()].span = span;
    let mut blocks = Vec::new();
    let mut values: Vec<Vec<NodeId>> = Vec::new();
    for (mut block, escaping) in branches {
        let mut vals = Vec::new();
        for k in &keys {
            let v = match escaping.get(k) {
                Some(&v) => v,
                None => block.push_const(b.graph, 0.0, span),
            };
            vals.push(v);
        }
        blocks.push(block);
        values.push(vals);
    }
    let mut outs = Vec::new();
    for (j, &k) in keys.iter().enumerate() {
        let r = b.graph.add(Op::Result(if_id), span);
        set_active(active, r, true);
        outs.push((values[0][j], values[1][j], r));
        accumulate(b, adj, k, r);
    }
    let els = blocks.pop().expect("two branches");
    let then = blocks.pop().expect("two branches");
    b.graph.nodes[if_id.index()].op = Op::If(Box::new(crate::ir::If {
        cond: b.outer.get(&i.cond).copied().unwrap_or(i.cond),
        then,
        els,
        outs,
    }));
}
