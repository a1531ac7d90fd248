//! Derivatives through local run-time buffers (see [`crate::ir::BufOp`]).
//!
//! Reverse mode: every buffer is logged (each write saves what it
//! overwrites), and an active buffer `v` gets an adjoint buffer `d_v` of the
//! same length, created just before it. The reverse of a read `y = v[i]` is
//! `d_v[i] += d_y`; the reverse of a write `v[i] = e` is `d_e += d_v[i];
//! d_v[i] = 0`, then the write is undone (the old value popped back), so
//! the reverse sweep always sees the buffer as the forward pass left it at
//! that point. A loop whose iterations each read and write only their own
//! element `v[i]` (see [`crate::ir::own_elements`]) is rolled back once, before its
//! reverse loop, to the log length marked just before it, rather than
//! iteration by iteration; [`super::undone`] then drops the writes that
//! are undone right away. Forward mode ([`forward_buf`]): an active buffer
//! gets a tangent buffer, read and written at the same indices, and undone
//! with it when the forward sweep runs over a reverse sweep (an HVP).

use std::collections::HashSet;

use super::reverse::{accumulate, Adjoints};
use super::Derivatives;
use super::{is_active, set_active};
use crate::ir::walk::regions;
use crate::ir::{Block, BufOp, Builder, Graph, NodeId, Op};

/// Before a reverse sweep: logs every buffer, and puts an adjoint buffer
/// (all zeros, same length) before each active one.
pub(super) fn prepare(g: &mut Graph, active: &mut Vec<bool>) {
    let mut body = std::mem::take(&mut g.body);
    let mut regions_left = prepare_block(g, &mut body, active);
    g.body = body;
    while let Some(r) = regions_left.pop() {
        let mut op = std::mem::replace(&mut g.nodes[r.index()].op, Op::Const(0.0));
        match &mut op {
            Op::If(i) => {
                regions_left.extend(prepare_block(g, &mut i.then, active));
                regions_left.extend(prepare_block(g, &mut i.els, active));
            }
            Op::Loop(l) => {
                if let Some(t) = &mut l.test {
                    regions_left.extend(prepare_block(g, &mut t.head, active));
                }
                regions_left.extend(prepare_block(g, &mut l.body, active));
            }
            _ => {}
        }
        g.nodes[r.index()].op = op;
    }
}

/// [`prepare`] for one block; returns its region nodes.
fn prepare_block(g: &mut Graph, block: &mut Block, active: &mut Vec<bool>) -> Vec<NodeId> {
    let mut out = Vec::with_capacity(block.nodes.len());
    let mut nested = Vec::new();
    for &n in &block.nodes {
        if !regions(g.op(n)).is_empty() {
            nested.push(n);
        }
        // the log length before a loop whose iterations each touch only
        // their own element: its reverse rolls the whole loop back at once
        if let Op::Loop(l) = g.op(n) {
            let span = g.node(n).span;
            let mut whole = crate::ir::written_outside(g, &[&l.body]);
            whole.retain(|&buf| crate::ir::own_elements(g, l, buf));
            for buf in whole {
                out.push(g.add(Op::Buf(BufOp::Mark(buf)), span));
            }
        }
        let span = g.node(n).span;
        if let Op::Buf(BufOp::New { len, adj, log, .. }) = &mut g.nodes[n.index()].op {
            *log = true;
            let len = *len;
            if is_active(active, n) && adj.is_none() {
                let zero = g.add(Op::Const(0.0), span);
                let d = g.add(
                    Op::Buf(BufOp::New {
                        len,
                        init: zero,
                        log: false,
                        adj: None,
                    }),
                    span,
                );
                g.nodes[d.index()].name = g.node(n).name.clone();
                g.nodes[d.index()].adjoint = true;
                set_active(active, d, false);
                if let Op::Buf(BufOp::New { adj, .. }) = &mut g.nodes[n.index()].op {
                    *adj = Some(d);
                }
                out.push(zero);
                out.push(d);
            }
        }
        out.push(n);
    }
    block.nodes = out;
    nested
}

/// The adjoint buffer of buffer `buf`, if it has one.
fn adjoint_of(g: &Graph, buf: NodeId) -> Option<NodeId> {
    match g.op(buf) {
        Op::Buf(BufOp::New { adj, .. }) => *adj,
        _ => None,
    }
}

/// Whether buffer `buf` logs its writes.
fn logged(g: &Graph, buf: NodeId) -> bool {
    matches!(g.op(buf), Op::Buf(BufOp::New { log: true, .. }))
}

/// Appends the reverse of buffer operation `n` to `b`.
pub(super) fn reverse_buf(
    b: &mut Builder<'_>,
    n: NodeId,
    op: &BufOp,
    adj: &mut Adjoints,
    active: &[bool],
) {
    b.span = b.graph.node(n).span;
    match *op {
        BufOp::Get { buf, idx } => {
            let (Some(&d), Some(dv)) = (adj.get(&n), adjoint_of(b.graph, buf)) else {
                return;
            };
            if !is_active(active, n) {
                return;
            }
            let cur = b.push(Op::Buf(BufOp::Get { buf: dv, idx }));
            let sum = b.add(cur, d);
            b.push(Op::Buf(BufOp::Set {
                buf: dv,
                idx,
                value: sum,
            }));
        }
        BufOp::Set { buf, idx, value } => {
            if let Some(dv) = adjoint_of(b.graph, buf) {
                let d = b.push(Op::Buf(BufOp::Get { buf: dv, idx }));
                let zero = b.constant(0.0);
                b.push(Op::Buf(BufOp::Set {
                    buf: dv,
                    idx,
                    value: zero,
                }));
                if is_active(active, value) {
                    accumulate(b, adj, value, d);
                }
            }
            if logged(b.graph, buf) {
                b.push(Op::Buf(BufOp::Pop(buf)));
            }
        }
        BufOp::New {
            init,
            adj: Some(dv),
            ..
        } if is_active(active, init) => {
            let s = b.push(Op::Buf(BufOp::Sum(dv)));
            accumulate(b, adj, init, s);
        }
        _ => {}
    }
}

/// A buffer operation's tangent: an active buffer gets a tangent buffer
/// of the same length, read and written at the same indices. Over a
/// reverse sweep (an HVP), a logged buffer's tangent is logged too and
/// every undo of the buffer (`Pop`, `Undo`) undoes its tangent: each
/// write of the buffer has one of its tangent, so the two logs have the
/// same length at every point and one mark serves both.
pub(super) fn forward_buf(
    b: &mut Builder<'_>,
    n: NodeId,
    op: &BufOp,
    active: &[bool],
    tangents: &mut Derivatives,
) {
    let summed = |t: &Derivatives, x: NodeId| t.get(&x).copied();
    match *op {
        BufOp::New { len, init, log, .. } if is_active(active, n) => {
            let init = match summed(tangents, init) {
                Some(t) => t,
                None => b.constant(0.0),
            };
            let t = b.push(Op::Buf(BufOp::New {
                len,
                init,
                log,
                adj: None,
            }));
            b.graph.nodes[t.index()].name = b.graph.node(n).name.clone();
            b.graph.nodes[t.index()].adjoint = true;
            tangents.insert(n, t);
        }
        BufOp::Get { buf, idx } if is_active(active, n) => {
            if let Some(tb) = summed(tangents, buf) {
                let t = b.push(Op::Buf(BufOp::Get { buf: tb, idx }));
                tangents.insert(n, t);
            }
        }
        BufOp::Set { buf, idx, value } => {
            if let Some(tb) = summed(tangents, buf) {
                let t = match summed(tangents, value) {
                    Some(t) => t,
                    None => b.constant(0.0),
                };
                b.push(Op::Buf(BufOp::Set {
                    buf: tb,
                    idx,
                    value: t,
                }));
            }
        }
        BufOp::Pop(buf) => {
            if let Some(tb) = summed(tangents, buf) {
                b.push(Op::Buf(BufOp::Pop(tb)));
            }
        }
        BufOp::Undo { buf, to } => {
            if let Some(tb) = summed(tangents, buf) {
                b.push(Op::Buf(BufOp::Undo { buf: tb, to }));
            }
        }
        // the sum of an adjoint buffer (the adjoint of its fill value)
        BufOp::Sum(buf) if is_active(active, n) => {
            if let Some(tb) = summed(tangents, buf) {
                let t = b.push(Op::Buf(BufOp::Sum(tb)));
                tangents.insert(n, t);
            }
        }
        _ => {}
    }
}

/// The logged buffers declared outside `body` that it writes (nested
/// blocks included): what a loop over `body` rolls back before undoing an
/// iteration.
pub(super) fn written_outside(g: &Graph, body: &Block) -> Vec<NodeId> {
    let mut w = crate::ir::written_outside(g, &[body]);
    w.retain(|b| logged(g, *b));
    w
}

/// Whether `body` (nested blocks included) writes a buffer.
pub(super) fn writes_buffers(g: &Graph, body: &Block) -> bool {
    let mut stack = vec![body];
    while let Some(b) = stack.pop() {
        for &n in &b.nodes {
            if matches!(g.op(n), Op::Buf(BufOp::Set { .. })) {
                return true;
            }
            stack.extend(regions(g.op(n)));
        }
    }
    false
}

/// Activity through buffers, for one node of `mark_block`: a buffer is
/// active once an active value is written into it (or it starts from
/// one), and so is every read of it. Returns the node's activity.
pub(super) fn mark(g: &Graph, n: NodeId, op: &BufOp, active: &mut Vec<bool>) -> bool {
    let _ = g;
    match *op {
        BufOp::New { init, .. } => is_active(active, n) || is_active(active, init),
        BufOp::Set { buf, value, .. } => {
            if is_active(active, value) {
                set_active(active, buf, true);
            }
            false
        }
        BufOp::Get { buf, .. } | BufOp::Sum(buf) => is_active(active, buf),
        _ => false,
    }
}

/// How many buffers are active: [`super::activity`] repeats until it stops growing.
pub(super) fn active_count(g: &Graph, active: &[bool]) -> usize {
    g.nodes
        .iter()
        .enumerate()
        .filter(|(k, node)| {
            matches!(node.op, Op::Buf(BufOp::New { .. })) && is_active(active, NodeId(*k as u32))
        })
        .count()
}

/// After a reverse sweep: a buffer keeps its undo log only if something
/// reads it back (a reverse write, or a loop replaying one that wrote it);
/// buffers of forward code that is never undone write without logging.
pub(super) fn drop_unread_logs(g: &mut Graph) {
    let mut read = HashSet::new();
    let replayed: HashSet<NodeId> = g
        .nodes
        .iter()
        .filter_map(|node| match &node.op {
            Op::Loop(l) => l.replay,
            _ => None,
        })
        .collect();
    for (k, node) in g.nodes.iter().enumerate() {
        match &node.op {
            Op::Buf(BufOp::Pop(b) | BufOp::Undo { buf: b, .. }) => {
                read.insert(*b);
            }
            Op::Loop(l) if replayed.contains(&NodeId(k as u32)) => {
                read.extend(l.undo.iter().copied());
            }
            _ => {}
        }
    }
    for (k, node) in g.nodes.iter_mut().enumerate() {
        if let Op::Buf(BufOp::New { log, .. }) = &mut node.op {
            *log = *log && read.contains(&NodeId(k as u32));
        }
    }
}
