//! A reverse sweep's `if` recomputes the values of the branch it undoes
//! (they are local to the forward `if`'s branch). Where both `if`s are
//! statements of one body and test the same condition, the forward `if`
//! can hand those values out instead: each value the reverse branch
//! computes exactly as the forward branch did becomes one more result of
//! the forward `if` (a zero on the other side), and the reverse branch
//! reads it. Used by a vector helper's `f::forward` (see
//! `emit::vsaved`), whose closure keeps what the forward sweep computed.

use std::collections::{HashMap, HashSet};

use super::key::Key;
use crate::ir::walk::{region_reads, regions, substitute};
use crate::ir::{Block, Graph, NodeId, Op};

/// For each `if` of `after` (the reverse sweep's statements) testing the
/// same condition node as an `if` of `before` (the forward sweep's), the
/// values its branches recompute are read from the forward `if` instead.
pub fn share_branches(g: &mut Graph, before: &[NodeId], after: &[NodeId]) {
    // the first forward `if` of each condition (one pass, not one per
    // reverse `if`)
    let mut by_cond: HashMap<NodeId, NodeId> = HashMap::new();
    for &f in before {
        if let Op::If(fi) = g.op(f) {
            by_cond.entry(fi.cond).or_insert(f);
        }
    }
    for &r in after {
        let Op::If(ri) = g.op(r) else { continue };
        let Some(&f) = by_cond.get(&ri.cond) else {
            continue;
        };
        for then in [true, false] {
            share_side(g, f, r, then);
        }
    }
}

/// The branch of an `if` node: `then` or `els`.
fn side(g: &Graph, n: NodeId, then: bool) -> Block {
    match g.op(n) {
        Op::If(i) if then => i.then.clone(),
        Op::If(i) => i.els.clone(),
        _ => Block::default(),
    }
}

/// A plain value a branch computes (no statement, no effect).
fn plain(op: &Op) -> bool {
    !op.is_multi()
        && !op.is_stateful()
        && !op.is_effect()
        && !op.is_bool()
        && !op.is_int()
        && !matches!(op, Op::Result(_))
}

/// Shares the values of one branch side of the reverse `if` `r` with the
/// forward `if` `f`.
fn share_side(g: &mut Graph, f: NodeId, r: NodeId, then: bool) {
    let (fb, rb) = (side(g, f, then), side(g, r, then));
    // the forward branch's values by what they compute
    // (a constant by its value: each sweep has its own `1.0` node)
    let mut consts: HashMap<u64, NodeId> = HashMap::new();
    let mut canon = |g: &Graph, x: NodeId| match g.op(x) {
        Op::Const(v) => *consts.entry(v.to_bits()).or_insert(x),
        _ => x,
    };
    let mut keys: HashMap<Key, NodeId> = HashMap::new();
    for &n in &fb.nodes {
        if plain(g.op(n)) {
            let mut op = g.op(n).clone();
            op.map_refs(|x| canon(g, x));
            keys.entry(Key::of(&op, None)).or_insert(n);
        }
    }
    // each reverse branch value computed as a forward one, in terms of
    // the forward branch's values
    let mut same: HashMap<NodeId, NodeId> = HashMap::new();
    for &n in &rb.nodes {
        if !plain(g.op(n)) {
            continue;
        }
        let mut op = g.op(n).clone();
        op.map_refs(|x| canon(g, same.get(&x).copied().unwrap_or(x)));
        if let Some(&m) = keys.get(&Key::of(&op, None)) {
            same.insert(n, m);
        }
    }
    // (constants and parameters are written inline: nothing to hand out)
    same.retain(|&n, _| !matches!(g.op(n), Op::Const(_) | Op::Extern(_) | Op::Param { .. }));
    if same.is_empty() {
        return;
    }
    // the shared values the rest of the reverse branch reads (nested
    // blocks and the `if`'s results included)
    let mut read = HashSet::new();
    let mut ops: Vec<NodeId> = rb
        .nodes
        .iter()
        .copied()
        .filter(|n| !same.contains_key(n))
        .collect();
    while let Some(n) = ops.pop() {
        let op = g.op(n);
        read.extend(op.args());
        read.extend(region_reads(op));
        for b in regions(op) {
            ops.extend(b.nodes.iter().copied());
        }
    }
    if let Op::If(i) = g.op(r) {
        read.extend(i.outs.iter().map(|o| if then { o.0 } else { o.1 }));
    }
    let span = g.node(f).span;
    let mut map = HashMap::new();
    let mut outs = Vec::new();
    for &n in &rb.nodes {
        let Some(&m) = same.get(&n) else { continue };
        if !read.contains(&n) {
            continue;
        }
        let zero = g.add(Op::Const(0.0), span);
        let out = g.add(Op::Result(f), span);
        g.nodes[out.index()].name = g.nodes[m.index()].name.clone();
        outs.push(if then { (m, zero, out) } else { (zero, m, out) });
        map.insert(n, out);
    }
    if let Op::If(i) = &mut g.nodes[f.index()].op {
        i.outs.extend(outs);
    }
    substitute(g, &Block { nodes: vec![r] }, &map);
    if let Op::If(i) = &mut g.nodes[r.index()].op {
        let b = if then { &mut i.then } else { &mut i.els };
        b.nodes.retain(|n| !same.contains_key(n));
    }
}
