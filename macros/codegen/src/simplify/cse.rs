//! Common subexpression elimination by value numbering, scoped by block: a
//! node may reuse an equal node of its own block or of an enclosing one.

use std::collections::HashMap;

use super::{remap_outputs, resolve};
use crate::ir::{Block, Graph, NodeId, Op};
use crate::rules::Prim;

/// Merges equal pure nodes; returns whether any were merged.
pub fn cse(g: &mut Graph) -> bool {
    let mut map = HashMap::new();
    let mut scopes: Vec<HashMap<String, NodeId>> = Vec::new();
    let body = std::mem::take(&mut g.body);
    g.body = cse_block(g, body, &mut map, &mut scopes);
    remap_outputs(g, &map);
    !map.is_empty()
}

fn cse_block(
    g: &mut Graph,
    block: Block,
    map: &mut HashMap<NodeId, NodeId>,
    scopes: &mut Vec<HashMap<String, NodeId>>,
) -> Block {
    scopes.push(HashMap::new());
    let out = cse_block_open(g, block, map, scopes);
    scopes.pop();
    out
}

/// CSE of a block in the innermost scope, which the caller opened.
fn cse_block_open(
    g: &mut Graph,
    block: Block,
    map: &mut HashMap<NodeId, NodeId>,
    scopes: &mut Vec<HashMap<String, NodeId>>,
) -> Block {
    let mut out = Block::default();
    // two reads of a buffer are equal only with no write (nor a region,
    // which may write) between them: the last such node is part of a
    // read's key, and a nested block starts from a node of its own
    let mut barrier = block.nodes.first().copied();
    for id in block.nodes {
        let mut op = std::mem::replace(&mut g.nodes[id.index()].op, Op::Const(0.0));
        if let Op::If(i) = &mut op {
            i.cond = resolve(map, i.cond);
            i.then = cse_block(g, std::mem::take(&mut i.then), map, scopes);
            i.els = cse_block(g, std::mem::take(&mut i.els), map, scopes);
        }
        if let Op::Loop(l) = &mut op {
            l.start = resolve(map, l.start);
            l.end = resolve(map, l.end);
            for c in &mut l.carried {
                c.init = resolve(map, c.init);
            }
            // the test runs before the body: its values are in scope there
            if let Some(t) = &mut l.test {
                scopes.push(HashMap::new());
                t.head = cse_block_open(g, std::mem::take(&mut t.head), map, scopes);
                l.body = cse_block(g, std::mem::take(&mut l.body), map, scopes);
                scopes.pop();
            } else {
                l.body = cse_block(g, std::mem::take(&mut l.body), map, scopes);
            }
        }
        op.map_refs(|n| resolve(map, n));
        let key = match &op {
            Op::If(_)
            | Op::Call(_)
            | Op::Nested(_)
            | Op::Result(_)
            | Op::Loop(_)
            | Op::Store { .. } => None,
            Op::Buf(crate::ir::BufOp::Get { .. }) => Some(format!("{op:?} after {barrier:?}")),
            // a buffer's identity and effects are never shared
            other if other.is_stateful() || other.is_effect() => None,
            other => Some(format!("{other:?}")),
        };
        // `a + b` and `b + a` are the same value (IEEE `+` and `·` commute exactly)
        let swapped = match &op {
            Op::Prim(p @ (Prim::Add | Prim::Mul), args) => {
                Some(format!("{:?}", Op::Prim(*p, vec![args[1], args[0]])))
            }
            _ => None,
        };
        if op.is_effect() || op.is_multi() {
            barrier = Some(id);
        }
        g.nodes[id.index()].op = op;
        if let Some(key) = key {
            let found = scopes.iter().rev().find_map(|s| {
                s.get(&key)
                    .or_else(|| swapped.as_ref().and_then(|k| s.get(k)))
            });
            if let Some(&prev) = found {
                map.insert(id, prev);
                // keep the more readable name
                if g.nodes[prev.index()].name.is_none() {
                    g.nodes[prev.index()].name = g.nodes[id.index()].name.clone();
                    g.nodes[prev.index()].adjoint = g.nodes[id.index()].adjoint;
                    g.nodes[prev.index()].along = g.nodes[id.index()].along;
                }
                continue;
            }
            scopes.last_mut().expect("pushed above").insert(key, id);
        }
        out.nodes.push(id);
    }
    out
}
