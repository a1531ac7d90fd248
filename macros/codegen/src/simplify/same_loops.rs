//! Merging equal loops: a loop that computes exactly what an earlier loop
//! of the same block computed is replaced by that loop's results.
//!
//! Value numbering ([`super::cse`]) merges equal nodes but not loops:
//! their bodies define their own nodes. Two equal loops arise when the
//! reverse sweep of an accumulating loop recomputes an inner state loop
//! and fusion then puts that copy beside the original (the GMM objective's
//! log-sum-exp over the components, inside the loop over the points): the
//! copy records a tape, the original computed the value. The earlier loop
//! takes over the copy's tape and the copy goes, so each iteration runs
//! once.
//!
//! Two loops are equal when their ranges and initial values are the same
//! nodes and their bodies match node for node, each node of the later one
//! reading the corresponding node of the earlier one (or the same node
//! from outside). Loops that store into gradient buffers are never merged
//! (both stores must happen). Loops that read a local buffer merge only
//! when nothing between them in the block has an effect (a buffer written
//! there could make the two read different contents), and never when they
//! create a buffer.

use std::collections::HashMap;

use super::resolve;
use crate::ir::walk::{substitute, Effects};
use crate::ir::{Block, BufOp, Graph, NodeId, Op};

/// How many earlier loops with the same header a loop is compared with, so
/// a body of many similar loops costs linear time.
const CANDIDATES: usize = 4;

/// Merges equal loops in every block; returns whether any were merged.
pub fn merge_equal_loops(g: &mut Graph) -> bool {
    let mut merged: HashMap<NodeId, NodeId> = HashMap::new();
    let mut removed: Vec<NodeId> = Vec::new();
    let mut stack: Vec<Block> = vec![g.body.clone()];
    // merging loops without effects keeps the memo valid
    let mut effects = Effects::default();
    while let Some(block) = stack.pop() {
        let mut seen: HashMap<String, Vec<NodeId>> = HashMap::new();
        // how many nodes with effects the walk has passed in this block
        let mut epoch = 0usize;
        for &n in &block.nodes {
            let op = g.op(n);
            let inner = crate::ir::walk::regions(op);
            if op.is_effect() || inner.iter().any(|b| effects.in_block(g, b)) {
                epoch += 1;
            }
            stack.extend(inner.into_iter().cloned());
            let Op::Loop(l) = op else { continue };
            if l.test.is_some() || effects.in_block(g, &l.body) {
                continue;
            }
            let key = match buffer_use(g, &l.body) {
                BufferUse::None => header_key(l, &merged),
                // comparable only with loops after the same effects
                BufferUse::Reads => format!("{} after {epoch}", header_key(l, &merged)),
                BufferUse::Other => continue,
            };
            let earlier = seen.entry(key).or_default();
            let found = earlier
                .iter()
                .rev()
                .find_map(|&a| match_loops(g, a, n, &merged).map(|m| (a, m)));
            match found {
                Some((a, m)) => {
                    take_over_tape(g, a, n, &m);
                    merged.extend(m);
                    merged.insert(n, a);
                    removed.push(n);
                }
                None => {
                    earlier.push(n);
                    if earlier.len() > CANDIDATES {
                        earlier.remove(0);
                    }
                }
            }
        }
    }
    if removed.is_empty() {
        return false;
    }
    remove_nodes(g, &removed);
    let body = g.body.clone();
    let flat: HashMap<NodeId, NodeId> = merged.keys().map(|&k| (k, resolve(&merged, k))).collect();
    substitute(g, &body, &flat);
    super::remap_outputs(g, &flat);
    true
}

/// What a block does with local buffers.
enum BufferUse {
    /// Nothing.
    None,
    /// Reads elements or lengths only.
    Reads,
    /// Creates one, or anything else.
    Other,
}

/// What a block (nested blocks included) does with local buffers.
fn buffer_use(g: &Graph, block: &Block) -> BufferUse {
    let mut found = BufferUse::None;
    let mut stack = vec![block];
    while let Some(b) = stack.pop() {
        for &n in &b.nodes {
            let op = g.op(n);
            match op {
                Op::Buf(BufOp::Get { .. } | BufOp::Len(_)) => found = BufferUse::Reads,
                _ if op.is_stateful() => return BufferUse::Other,
                _ => {}
            }
            stack.extend(crate::ir::walk::regions(op));
        }
    }
    found
}

/// The part of a loop that must be equal before its body is compared.
fn header_key(l: &crate::ir::Loop, merged: &HashMap<NodeId, NodeId>) -> String {
    let r = |n: NodeId| resolve(merged, n).index();
    let inits: Vec<usize> = l.carried.iter().map(|c| r(c.init)).collect();
    format!(
        "{} {} {} {} {:?} {}",
        r(l.start),
        r(l.end),
        l.inclusive,
        l.rev,
        inits,
        l.body.nodes.len()
    )
}

/// If loop `b` computes what loop `a` computes, the map from every node `b`
/// defines (its results, its body's nodes and their results) to `a`'s.
fn match_loops(
    g: &Graph,
    a: NodeId,
    b: NodeId,
    merged: &HashMap<NodeId, NodeId>,
) -> Option<HashMap<NodeId, NodeId>> {
    let mut m: HashMap<NodeId, NodeId> = HashMap::new();
    // values read where a region ends, checked once every node is mapped
    let mut deferred: Vec<(NodeId, NodeId)> = Vec::new();
    let mut pending: Vec<(NodeId, NodeId)> = vec![(a, b)];
    // pairs of blocks still to compare, each from a position
    let mut blocks: Vec<(Vec<NodeId>, Vec<NodeId>)> = Vec::new();
    while let Some((x, y)) = pending.pop() {
        if !match_header(g, x, y, &mut m, &mut deferred, merged) {
            return None;
        }
        for (bx, by) in crate::ir::walk::regions(g.op(x))
            .into_iter()
            .zip(crate::ir::walk::regions(g.op(y)))
        {
            if bx.nodes.len() != by.nodes.len() {
                return None;
            }
            blocks.push((bx.nodes.clone(), by.nodes.clone()));
        }
        // compare the blocks in order; nested regions are queued and
        // compared before the rest of the block reads their results
        while let Some((xs, ys)) = blocks.pop() {
            for (k, (&x, &y)) in xs.iter().zip(&ys).enumerate() {
                let (ox, oy) = (g.op(x), g.op(y));
                if matches!(ox, Op::Loop(_) | Op::If(_)) {
                    blocks.push((xs[k + 1..].to_vec(), ys[k + 1..].to_vec()));
                    pending.push((x, y));
                    break;
                }
                if !ox.results().is_empty() || !oy.results().is_empty() {
                    return None;
                }
                let (mut ox, mut oy) = (ox.clone(), oy.clone());
                ox.map_refs(|r| resolve(merged, r));
                oy.map_refs(|r| lookup(&m, merged, r));
                if ox != oy {
                    return None;
                }
                m.insert(y, x);
            }
            if !pending.is_empty() {
                break;
            }
        }
    }
    deferred
        .iter()
        .all(|&(x, y)| lookup(&m, merged, y) == resolve(merged, x))
        .then_some(m)
}

/// Where `r`, read by the later loop, stands in the earlier one.
fn lookup(m: &HashMap<NodeId, NodeId>, merged: &HashMap<NodeId, NodeId>, r: NodeId) -> NodeId {
    m.get(&r).copied().unwrap_or_else(|| resolve(merged, r))
}

/// Compares two region nodes' own fields and maps their results; the
/// values their blocks hand out are deferred. Loops may differ in whether
/// they record, not in what.
fn match_header(
    g: &Graph,
    x: NodeId,
    y: NodeId,
    m: &mut HashMap<NodeId, NodeId>,
    deferred: &mut Vec<(NodeId, NodeId)>,
    merged: &HashMap<NodeId, NodeId>,
) -> bool {
    match (g.op(x), g.op(y)) {
        (Op::Loop(lx), Op::Loop(ly)) => {
            let r = |n: NodeId| resolve(merged, n);
            // both tapes kept: they must be the same tape (a tape only one
            // of them keeps, at any depth, is taken over by the earlier one)
            let both_record = !lx.record.is_empty() && !ly.record.is_empty();
            let same =
                lx.record_int.is_empty()
                    && ly.record_int.is_empty()
                    && lx.undo.is_empty()
                    && ly.undo.is_empty()
                    && lx.inclusive == ly.inclusive
                    && lx.rev == ly.rev
                    && lx.test.is_none()
                    && ly.test.is_none()
                    && lx.carried.len() == ly.carried.len()
                    && r(lx.start) == lookup(m, merged, ly.start)
                    && r(lx.end) == lookup(m, merged, ly.end)
                    && lx.replay.map(r) == ly.replay.map(|n| lookup(m, merged, n))
                    && (!both_record
                        || (lx.record.len() == ly.record.len() && lx.stacked == ly.stacked))
                    && lx.carried.iter().zip(&ly.carried).all(|(cx, cy)| {
                        cx.int == cy.int && r(cx.init) == lookup(m, merged, cy.init)
                    });
            if !same {
                return false;
            }
            for (rx, ry) in lx.results().into_iter().zip(ly.results()) {
                m.insert(ry, rx);
            }
            deferred.extend(
                lx.carried
                    .iter()
                    .zip(&ly.carried)
                    .map(|(cx, cy)| (cx.next, cy.next)),
            );
            if both_record {
                deferred.extend(lx.record.iter().copied().zip(ly.record.iter().copied()));
            }
            m.insert(y, x);
            true
        }
        (Op::If(ix), Op::If(iy)) => {
            if resolve(merged, ix.cond) != lookup(m, merged, iy.cond)
                || ix.outs.len() != iy.outs.len()
            {
                return false;
            }
            for (ox, oy) in ix.outs.iter().zip(&iy.outs) {
                m.insert(oy.2, ox.2);
                deferred.push((ox.0, oy.0));
                deferred.push((ox.1, oy.1));
            }
            m.insert(y, x);
            true
        }
        _ => false,
    }
}

/// The earlier loop `a` records what the later loop `b` recorded, when
/// only `b` kept a tape (the reverse sweep replays it); so does each loop
/// nested in `a` for its match in `b` (`m`: `b`'s nodes to `a`'s).
fn take_over_tape(g: &mut Graph, a: NodeId, b: NodeId, m: &HashMap<NodeId, NodeId>) {
    let mut pairs = vec![(a, b)];
    pairs.extend(
        m.iter()
            .filter(|(&y, _)| y != b && matches!(g.op(y), Op::Loop(_)))
            .map(|(&y, &x)| (x, y)),
    );
    for (x, y) in pairs {
        let Op::Loop(ly) = g.op(y) else { continue };
        if ly.record.is_empty() {
            continue;
        }
        let record: Vec<NodeId> = ly
            .record
            .iter()
            .map(|r| m.get(r).copied().unwrap_or(*r))
            .collect();
        let (stacked, name) = (ly.stacked, g.node(y).name.clone());
        if let Op::Loop(lx) = &mut g.nodes[x.index()].op {
            if lx.record.is_empty() {
                lx.record = record;
                lx.stacked = stacked;
                g.nodes[x.index()].name = name;
            }
        }
    }
}

/// Takes the merged loops out of their blocks.
fn remove_nodes(g: &mut Graph, removed: &[NodeId]) {
    let gone: std::collections::HashSet<NodeId> = removed.iter().copied().collect();
    g.body.nodes.retain(|n| !gone.contains(n));
    let mut stack: Vec<NodeId> = g.body.nodes.clone();
    while let Some(n) = stack.pop() {
        let mut op = std::mem::replace(&mut g.nodes[n.index()].op, Op::Const(0.0));
        match &mut op {
            Op::Loop(l) => {
                l.body.nodes.retain(|n| !gone.contains(n));
                stack.extend(&l.body.nodes);
                if let Some(t) = &mut l.test {
                    t.head.nodes.retain(|n| !gone.contains(n));
                    stack.extend(&t.head.nodes);
                }
            }
            Op::If(i) => {
                i.then.nodes.retain(|n| !gone.contains(n));
                i.els.nodes.retain(|n| !gone.contains(n));
                stack.extend(&i.then.nodes);
                stack.extend(&i.els.nodes);
            }
            _ => {}
        }
        g.nodes[n.index()].op = op;
    }
}
