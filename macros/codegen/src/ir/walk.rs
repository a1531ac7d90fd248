//! Walks over nested blocks that several passes share.

use std::collections::{HashMap, HashSet};

use super::{Block, Graph, NodeId, Op};

/// The blocks a region node owns.
pub fn regions(op: &Op) -> Vec<&Block> {
    match op {
        Op::If(i) => vec![&i.then, &i.els],
        Op::Loop(l) => vec![&l.body],
        _ => Vec::new(),
    }
}

/// The values a region node reads from inside its blocks when they end: an
/// `if`'s branch values, a loop's next values and recorded values.
pub fn region_reads(op: &Op) -> Vec<NodeId> {
    match op {
        Op::If(i) => i.outs.iter().flat_map(|o| [o.0, o.1]).collect(),
        Op::Loop(l) => l
            .carried
            .iter()
            .map(|c| c.next)
            .chain(l.record.iter().copied())
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether a block (nested blocks included) stores into a gradient buffer.
pub fn has_effect(g: &Graph, block: &Block) -> bool {
    let mut stack = vec![block];
    while let Some(b) = stack.pop() {
        for &n in &b.nodes {
            let op = g.op(n);
            if op.is_effect() {
                return true;
            }
            stack.extend(regions(op));
        }
    }
    false
}

/// Adds to `live` every node of `block` that a live node, an effect, or a
/// region with a live result reads, transitively; conservative inside
/// regions (every value a live region hands out is taken as needed).
/// Nothing is removed: passes use it to decide before they rewrite.
pub fn mark_live(g: &Graph, block: &Block, live: &mut HashSet<NodeId>) {
    // (block, position to resume from its end)
    let mut stack: Vec<(&Block, usize)> = vec![(block, block.nodes.len())];
    while let Some((b, at)) = stack.pop() {
        let mut k = at;
        while k > 0 {
            k -= 1;
            let n = b.nodes[k];
            let op = g.op(n);
            let region_live = !regions(op).is_empty()
                && (live.contains(&n)
                    || op.results().iter().any(|r| live.contains(r))
                    || regions(op).iter().any(|r| has_effect(g, r)));
            if !(live.contains(&n) || op.is_effect() || region_live) {
                continue;
            }
            live.insert(n);
            live.extend(op.args());
            if region_live {
                live.extend(region_reads(op));
                // finish this block later; walk the region's blocks first
                stack.push((b, k));
                for r in regions(op) {
                    stack.push((r, r.nodes.len()));
                }
                break;
            }
        }
    }
}

/// Replaces references to the keys of `map` throughout `block`, nested
/// blocks and the values regions hand out included.
pub fn substitute(g: &mut Graph, block: &Block, map: &HashMap<NodeId, NodeId>) {
    if map.is_empty() {
        return;
    }
    let mut stack: Vec<Block> = vec![block.clone()];
    while let Some(b) = stack.pop() {
        for &n in &b.nodes {
            let mut op = std::mem::replace(&mut g.nodes[n.index()].op, Op::Const(0.0));
            op.map_refs(|x| map.get(&x).copied().unwrap_or(x));
            stack.extend(regions(&op).into_iter().cloned());
            g.nodes[n.index()].op = op;
        }
    }
}
