//! Dead code elimination: keeps only what the outputs need.

use super::FastSet;
use crate::ir::walk::{mark_live, Effects};
use crate::ir::{Block, Graph, Loop, NodeId, Op};

/// Removes every node the value and the gradients do not depend on.
pub fn dce(g: &mut Graph) -> bool {
    let mut live: FastSet<NodeId> = g.outputs().into_iter().collect();
    let mut changed = false;
    let body = std::mem::take(&mut g.body);
    // removing nodes without effects keeps the memo valid
    let mut effects = Effects::default();
    g.body = dce_block(g, body, &mut live, &mut changed, &mut effects);
    changed
}

/// Walks the block backwards, so that a node is live if a later live node
/// (or an output) uses it.
fn dce_block(
    g: &mut Graph,
    block: Block,
    live: &mut FastSet<NodeId>,
    changed: &mut bool,
    effects: &mut Effects,
) -> Block {
    let mut kept = Vec::new();
    for id in block.nodes.into_iter().rev() {
        let mut op = std::mem::replace(&mut g.nodes[id.index()].op, Op::Const(0.0));
        let keep = match &mut op {
            Op::If(i) => {
                let before = i.outs.len();
                i.outs.retain(|o| live.contains(&o.2));
                *changed |= i.outs.len() != before;
                let effect = effects.in_block(g, &i.then) || effects.in_block(g, &i.els);
                if i.outs.is_empty() && !effect {
                    false
                } else {
                    for (t, e, _) in &i.outs {
                        live.insert(*t);
                        live.insert(*e);
                    }
                    i.then = dce_block(g, std::mem::take(&mut i.then), live, changed, effects);
                    i.els = dce_block(g, std::mem::take(&mut i.els), live, changed, effects);
                    live.insert(i.cond);
                    true
                }
            }
            Op::Call(c) => {
                // (a VJP call adding into a slice's gradient buffer is an
                // effect, and so is its tangent adding into the H·v buffer)
                let effect = c.has_slice()
                    && matches!(
                        c.sweep,
                        crate::ir::CallSweep::Vjp(_) | crate::ir::CallSweep::VjpJvp(_)
                    );
                for p in c.partials.iter_mut().flatten() {
                    if p.is_some_and(|n| !live.contains(&n)) {
                        *p = None;
                        *changed = true;
                    }
                }
                effect
                    || live.contains(&c.value)
                    || c.outs.iter().any(|o| live.contains(o))
                    || c.partials.iter().flatten().any(Option::is_some)
            }
            // one call for all its outputs: kept while any is needed (or
            // its entries, read by an `AddStruct`)
            Op::Nested(c) => live.contains(&id) || c.outs.iter().any(|o| live.contains(o)),
            Op::Loop(l) => {
                let node_live = live.contains(&id);
                dce_loop(g, l, node_live, live, changed, effects)
            }
            other => live.contains(&id) || other.is_effect(),
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

/// A loop's carried value is needed when its result is, when a needed
/// value of the body reads its parameter (to a fixed point: one carried
/// value may feed another), or when it is recorded for a reverse sweep that
/// is itself needed (`node_live`: the reverse loop reads this loop's tape).
/// Returns whether the loop stays.
fn dce_loop(
    g: &mut Graph,
    l: &mut Loop,
    node_live: bool,
    live: &mut FastSet<NodeId>,
    changed: &mut bool,
    effects: &mut Effects,
) -> bool {
    let records = !l.record.is_empty() || !l.record_int.is_empty();
    if !node_live && records {
        l.record.clear();
        l.record_int.clear();
        *changed = true;
    }
    let mut keep: Vec<bool> = l
        .carried
        .iter()
        .map(|c| {
            live.contains(&c.out) || l.record.contains(&c.param) || l.record_int.contains(&c.param)
        })
        .collect();
    // whether anything outside needs the loop: decided before the test's
    // reads join in, as `mark_live` decides it for an enclosing loop (a
    // loop kept only because its own condition reads a carried value would
    // read values the enclosing loop no longer carries)
    let needed = keep.iter().any(|k| *k);
    loop {
        let mut probe = live.clone();
        probe.extend(l.record.iter().chain(&l.record_int).copied());
        probe.extend(
            l.carried
                .iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(c, _)| c.next),
        );
        mark_live(g, &l.body, &mut probe, effects);
        if let Some(t) = &l.test {
            probe.insert(t.cond);
            mark_live(g, &t.head, &mut probe, effects);
        }
        let mut grew = false;
        for (c, k) in l.carried.iter().zip(keep.iter_mut()) {
            if !*k && probe.contains(&c.param) {
                *k = true;
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    let trips_live = l.test.as_ref().is_some_and(|t| live.contains(&t.trips));
    if !needed && !node_live && !trips_live && !effects.in_block(g, &l.body) {
        return false;
    }
    let before = l.carried.len();
    let mut k = keep.into_iter();
    l.carried.retain(|_| k.next().unwrap_or(true));
    *changed |= l.carried.len() != before;
    for c in &l.carried {
        live.insert(c.next);
    }
    live.extend(l.record.iter().chain(&l.record_int).copied());
    l.body = dce_block(g, std::mem::take(&mut l.body), live, changed, effects);
    if let Some(mut t) = l.test.take() {
        live.insert(t.cond);
        t.head = dce_block(g, std::mem::take(&mut t.head), live, changed, effects);
        l.test = Some(t);
    }
    true
}
