//! Walks over nested blocks that several passes share.

use std::collections::{HashMap, HashSet};

use super::{Block, Graph, NodeId, Op};

/// The blocks a region node owns.
pub fn regions(op: &Op) -> Vec<&Block> {
    match op {
        Op::If(i) => vec![&i.then, &i.els],
        Op::Loop(l) => match &l.test {
            Some(t) => vec![&t.head, &l.body],
            None => vec![&l.body],
        },
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
            .chain(l.record_int.iter().copied())
            .chain(l.test.as_ref().map(|t| t.cond))
            .collect(),
        _ => Vec::new(),
    }
}

/// Which regions (`if`s and loops, by node) hold an effect somewhere in
/// their blocks, remembered: asking about nested regions one level at a time
/// (as the passes walk down) costs time linear in the body, not quadratic in
/// its nesting depth.
///
/// A region's entry is computed the first time it is asked about and is
/// valid while no effect is added to or removed from its blocks: a pass
/// that only removes nodes without effects (dead code elimination) or that
/// asks only about finished regions (the reverse sweep) keeps one memo for
/// its whole run.
#[derive(Default)]
pub struct Effects {
    regions: HashMap<NodeId, bool>,
}

impl Effects {
    /// Whether a block (nested blocks included) stores into a gradient buffer
    /// or writes a local buffer.
    pub fn in_block(&mut self, g: &Graph, block: &Block) -> bool {
        self.fill(g, block);
        block
            .nodes
            .iter()
            .any(|n| g.op(*n).is_effect() || self.regions.get(n).copied().unwrap_or(false))
    }

    /// Computes the entry of every region under `block` not yet known:
    /// regions in pre-order, then answered in reverse, so a region's nested
    /// regions are known before it.
    fn fill(&mut self, g: &Graph, block: &Block) {
        let mut order: Vec<NodeId> = Vec::new();
        let mut stack = vec![block];
        while let Some(b) = stack.pop() {
            for &n in &b.nodes {
                let op = g.op(n);
                let inner = regions(op);
                if !inner.is_empty() && !self.regions.contains_key(&n) {
                    order.push(n);
                    stack.extend(inner);
                }
            }
        }
        for &r in order.iter().rev() {
            let effect = regions(g.op(r)).iter().any(|b| {
                b.nodes
                    .iter()
                    .any(|n| g.op(*n).is_effect() || self.regions.get(n).copied().unwrap_or(false))
            });
            self.regions.insert(r, effect);
        }
    }
}

/// Adds to `live` every node of `block` that a live node, an effect, or a
/// region with a live result reads, transitively; conservative inside
/// regions (every value a live region hands out is taken as needed).
/// Nothing is removed: passes use it to decide before they rewrite.
pub fn mark_live<S: std::hash::BuildHasher>(
    g: &Graph,
    block: &Block,
    live: &mut HashSet<NodeId, S>,
    effects: &mut Effects,
) {
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
                    || regions(op).iter().any(|r| effects.in_block(g, r)));
            // a call is needed when one of its results is
            let results_live = matches!(op, Op::Call(_) | Op::Nested(_))
                && op.results().iter().any(|r| live.contains(r));
            if !(live.contains(&n) || op.is_effect() || region_live || results_live) {
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

impl Graph {
    /// Copies a block's nodes as fresh nodes (nested blocks too), recording
    /// old -> new in `remap`; references to nodes outside the block are kept.
    pub fn copy_block(&mut self, block: &Block, remap: &mut HashMap<NodeId, NodeId>) -> Block {
        self.copy_block_in(block, remap, &HashMap::new())
    }

    /// [`Graph::copy_block`] inside a copy made earlier: references to
    /// nodes outside the block that `outer` maps follow it.
    pub fn copy_block_in(
        &mut self,
        block: &Block,
        remap: &mut HashMap<NodeId, NodeId>,
        outer: &HashMap<NodeId, NodeId>,
    ) -> Block {
        let mut out = Block::default();
        for &id in &block.nodes {
            let node = self.node(id).clone();
            let mut op = node.op;
            let new = self.add(Op::Const(0.0), node.span);
            self.nodes[new.index()].name = node.name.clone();
            self.nodes[new.index()].adjoint = node.adjoint;
            // a loop's own results are read inside its body: fresh before the body
            if let Op::Loop(l) = &mut op {
                let fresh_results = l.results();
                for r in fresh_results {
                    let c = self.add(Op::Result(new), self.node(r).span);
                    self.nodes[c.index()].name = self.node(r).name.clone();
                    self.nodes[c.index()].adjoint = self.node(r).adjoint;
                    remap.insert(r, c);
                }
                l.var = remap[&l.var];
                for c in &mut l.carried {
                    c.param = remap[&c.param];
                    c.out = remap[&c.out];
                }
                if let Some(t) = &mut l.test {
                    t.trips = remap[&t.trips];
                    t.head = self.copy_block_in(&t.head, remap, outer);
                }
                l.body = self.copy_block_in(&l.body, remap, outer);
            }
            if let Op::If(i) = &mut op {
                i.then = self.copy_block_in(&i.then, remap, outer);
                i.els = self.copy_block_in(&i.els, remap, outer);
            }
            // a recall names the recording loop, which is its own node: as
            // any reference, it follows the copy when that loop was copied
            op.map_refs(|n| {
                remap
                    .get(&n)
                    .or_else(|| outer.get(&n))
                    .copied()
                    .unwrap_or(n)
            });
            let mut fresh = |g: &mut Graph, r: NodeId| {
                let c = g.add(Op::Result(new), g.node(r).span);
                g.nodes[c.index()].name = g.node(r).name.clone();
                remap.insert(r, c);
                c
            };
            match &mut op {
                Op::If(i) => {
                    for o in &mut i.outs {
                        o.2 = fresh(self, o.2);
                    }
                }
                Op::Call(c) => {
                    let old = c.value;
                    c.value = fresh(self, c.value);
                    for o in &mut c.outs {
                        // the first element is the value, already made
                        *o = if *o == old { c.value } else { fresh(self, *o) };
                    }
                    for p in c.partials.iter_mut().flatten().flatten() {
                        *p = fresh(self, *p);
                    }
                }
                Op::Nested(c) => {
                    for o in &mut c.outs {
                        *o = fresh(self, *o);
                    }
                }
                _ => {}
            }
            self.nodes[new.index()].op = op;
            remap.insert(id, new);
            out.nodes.push(new);
        }
        out
    }
}
