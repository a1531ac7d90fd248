//! Store merging: `d_xs[i] += a; … d_xs[i] += b;` in one block becomes
//! `d_xs[i] += a + b;` at the last of them. Stores only add into gradient
//! buffers that nothing in the body reads, so moving one later is exact up
//! to the order of the additions.

use std::collections::HashMap;

use crate::ir::walk::regions;
use crate::ir::{Block, Graph, NodeId, Op};
use crate::rules::Prim;

/// Merges stores to the same element within each block; returns whether any were merged.
pub fn merge_stores(g: &mut Graph) -> bool {
    let mut changed = false;
    // the top-level block, then every nested one, rewritten in place
    let body = std::mem::take(&mut g.body);
    let top = merge_block(g, body, &mut changed);
    let mut stack: Vec<NodeId> = top.nodes.clone();
    while let Some(n) = stack.pop() {
        let count = regions(g.op(n)).len();
        for k in 0..count {
            let b = std::mem::take(region_mut(g, n, k));
            let b = merge_block(g, b, &mut changed);
            stack.extend(b.nodes.iter().copied());
            *region_mut(g, n, k) = b;
        }
    }
    g.body = top;
    changed
}

fn region_mut(g: &mut Graph, n: NodeId, k: usize) -> &mut Block {
    match &mut g.nodes[n.index()].op {
        Op::If(i) => {
            if k == 0 {
                &mut i.then
            } else {
                &mut i.els
            }
        }
        Op::Loop(l) => &mut l.body,
        _ => unreachable!("regions lists only If and Loop blocks"),
    }
}

fn merge_block(g: &mut Graph, block: Block, changed: &mut bool) -> Block {
    type Key = (usize, NodeId, Option<NodeId>);
    let mut last: HashMap<Key, usize> = HashMap::new();
    let mut values: HashMap<Key, Vec<NodeId>> = HashMap::new();
    for (k, &n) in block.nodes.iter().enumerate() {
        if let Op::Store {
            param,
            row,
            col,
            value,
        } = g.op(n)
        {
            let key = (*param, *row, *col);
            last.insert(key, k);
            values.entry(key).or_default().push(*value);
        }
    }
    if values.values().all(|v| v.len() < 2) {
        return block;
    }
    *changed = true;
    let mut out = Block::default();
    for (k, &n) in block.nodes.iter().enumerate() {
        let Op::Store {
            param, row, col, ..
        } = *g.op(n)
        else {
            out.nodes.push(n);
            continue;
        };
        let key = (param, row, col);
        if last[&key] != k {
            continue;
        }
        let vals = &values[&key];
        let span = g.node(n).span;
        let mut sum = vals[0];
        for &v in &vals[1..] {
            sum = g.add(Op::Prim(Prim::Add, vec![sum, v]), span);
            out.nodes.push(sum);
        }
        if let Op::Store { value, .. } = &mut g.nodes[n.index()].op {
            *value = sum;
        }
        out.nodes.push(n);
    }
    out
}
