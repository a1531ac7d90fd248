//! Dead code elimination: keeps only what the outputs need.

use std::collections::HashSet;

use crate::ir::{Block, Graph, NodeId, Op};

/// Removes every node the value and the gradients do not depend on.
pub fn dce(g: &mut Graph) -> bool {
    let mut live: HashSet<NodeId> = g.outputs().into_iter().collect();
    let mut changed = false;
    let body = std::mem::take(&mut g.body);
    g.body = dce_block(g, body, &mut live, &mut changed);
    changed
}

/// Walks the block backwards, so that a node is live if a later live node
/// (or an output) uses it.
fn dce_block(g: &mut Graph, block: Block, live: &mut HashSet<NodeId>, changed: &mut bool) -> Block {
    let mut kept = Vec::new();
    for id in block.nodes.into_iter().rev() {
        let mut op = std::mem::replace(&mut g.nodes[id.index()].op, Op::Const(0.0));
        let keep = match &mut op {
            Op::If(i) => {
                let before = i.outs.len();
                i.outs.retain(|o| live.contains(&o.2));
                *changed |= i.outs.len() != before;
                if i.outs.is_empty() {
                    false
                } else {
                    for (t, e, _) in &i.outs {
                        live.insert(*t);
                        live.insert(*e);
                    }
                    i.then = dce_block(g, std::mem::take(&mut i.then), live, changed);
                    i.els = dce_block(g, std::mem::take(&mut i.els), live, changed);
                    live.insert(i.cond);
                    true
                }
            }
            Op::Call(c) => {
                for p in c.partials.iter_mut().flatten() {
                    if p.is_some_and(|n| !live.contains(&n)) {
                        *p = None;
                        *changed = true;
                    }
                }
                live.contains(&c.value) || c.partials.iter().flatten().any(Option::is_some)
            }
            _ => live.contains(&id),
        };
        if keep {
            live.extend(op.args());
            kept.push(id);
        } else {
            *changed = true;
        }
        g.nodes[id.index()].op = op;
    }
    kept.reverse();
    Block { nodes: kept }
}
