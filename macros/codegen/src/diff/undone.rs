//! Recomputed buffer writes that the reverse sweep undoes at once.
//!
//! The body of a reverse loop recomputes the forward iteration it undoes,
//! then sweeps it backwards. A recomputed write `v[i] = e` (which logs the
//! value it overwrites) whose reverse pops that log entry again, with no
//! read of `v` in between, changes nothing: the buffer and its log are as
//! they were before the write. Both are removed, and with them the
//! computation of `e` when nothing else reads it. The forward pass ran the
//! same write at the same index, so Rust's bounds check has already
//! happened there.
//!
//! The same holds for a whole recomputed loop whose iterations each write
//! only their own element, after reading it: when the reverse sweep rolls
//! the buffer back to its log length before that loop (a [`BufOp::Undo`]
//! to a [`BufOp::Mark`] taken just before it) and nothing else reads the
//! buffer in between, the loop's writes are dropped; what the loop reads
//! is the same either way (each element as it was before the loop, also
//! for a read of an element only a later iteration writes). Reads
//! whose values nothing uses (a recomputed `x[i] += h * dx[i]` whose write
//! went the same way) do not count as accesses: the reverse of an explicit
//! Euler step over two buffers then recomputes neither sweep.

use std::collections::{HashMap, HashSet};

use crate::ir::walk::{mark_live, regions, Effects};
use crate::ir::{Block, BufOp, Graph, NodeId, Op};

/// Removes from `block` (its top level) each logged write whose log entry
/// a later `Pop` of the same block takes back with no access to the buffer
/// in between, and that `Pop`; `roots` are the values read after `block`
/// (a reverse loop's carried adjoints).
pub(super) fn drop_undone_writes(g: &mut Graph, block: &mut Block, roots: &[NodeId]) {
    // twice: dropping one loop's writes can leave another's reads unused
    if drop_undone_loop_writes(g, block, roots) {
        drop_undone_loop_writes(g, block, roots);
    }
    // per buffer: the writes whose log entries are still on top, last on
    // top, each with whether the buffer is untouched since
    let mut pending: HashMap<NodeId, Vec<(usize, bool)>> = HashMap::new();
    let mut dropped = HashSet::new();
    for (k, &n) in block.nodes.iter().enumerate() {
        match g.op(n) {
            // a write's log entry reads the element it overwrites, but only
            // to put it back: pairs nested inside an undone pair go too
            Op::Buf(BufOp::Set { buf, .. }) if logged(g, *buf) => {
                pending.entry(*buf).or_default().push((k, true));
            }
            Op::Buf(BufOp::Pop(buf)) => {
                if let Some((w, clean)) = pending.get_mut(buf).and_then(Vec::pop) {
                    if clean {
                        dropped.insert(w);
                        dropped.insert(k);
                    }
                }
            }
            Op::Buf(BufOp::Undo { buf, .. }) => {
                pending.remove(buf);
            }
            Op::Buf(BufOp::Get { buf, .. } | BufOp::Sum(buf) | BufOp::Mark(buf)) => {
                dirty(&mut pending, *buf);
            }
            Op::Buf(_) => {}
            op if !regions(op).is_empty() => {
                // a region may read, write or roll back any buffer it names
                for b in touched(g, n) {
                    pending.remove(&b);
                }
            }
            op => {
                for a in op.args() {
                    pending.remove(&a);
                }
            }
        }
    }
    if dropped.is_empty() {
        return;
    }
    let mut k = 0;
    block.nodes.retain(|_| {
        k += 1;
        !dropped.contains(&(k - 1))
    });
}

/// The loop-level case (see the module docs): for each `Undo` of `block`
/// to a `Mark` of the same block with a single loop between them touching
/// the buffer (by a read that something uses, a write or its log), removes
/// that loop's writes to it when they qualify. Returns whether it did.
fn drop_undone_loop_writes(g: &mut Graph, block: &mut Block, roots: &[NodeId]) -> bool {
    let mut live: HashSet<NodeId> = roots.iter().copied().collect();
    mark_live(g, block, &mut live, &mut Effects::default());
    let mut idle = HashSet::new();
    let at: HashMap<NodeId, usize> = block
        .nodes
        .iter()
        .enumerate()
        .map(|(k, &n)| (n, k))
        .collect();
    for (q, &u) in block.nodes.iter().enumerate() {
        let Op::Buf(BufOp::Undo { buf, to }) = *g.op(u) else {
            continue;
        };
        let Some(&m) = at.get(&to).filter(|&&m| m < q) else {
            continue;
        };
        let mut between = block.nodes[m + 1..q].iter().filter(|&&n| match g.op(n) {
            op if !regions(op).is_empty() => touched_live(g, n, &live).contains(&buf),
            op => live.contains(&n) && op.args().contains(&buf),
        });
        let (Some(&l), None) = (between.next(), between.next()) else {
            continue;
        };
        if let Some(sets) = writes_after_reads(g, l, buf) {
            if let Op::Loop(lp) = &mut g.nodes[l.index()].op {
                lp.body.nodes.retain(|n| !sets.contains(n));
            }
            // nothing is logged between the mark and the roll-back now
            idle.insert(u);
        }
    }
    block.nodes.retain(|n| !idle.contains(n));
    !idle.is_empty()
}

/// [`touched`] for a region of a block whose live nodes are `live`: what
/// its live nodes name, and the logs its loops mark or roll back. A loop
/// that records a tape counts whole even when nothing uses its results
/// (the loop replaying it reads the tape), a region nothing needs not at
/// all.
fn touched_live(g: &Graph, n: NodeId, live: &HashSet<NodeId>) -> HashSet<NodeId> {
    let records =
        |op: &Op| matches!(op, Op::Loop(l) if !l.record.is_empty() || !l.record_int.is_empty());
    if !live.contains(&n) {
        return if records(g.op(n)) {
            touched(g, n)
        } else {
            HashSet::new()
        };
    }
    let mut out = HashSet::new();
    let mut nodes = vec![n];
    while let Some(m) = nodes.pop() {
        let op = g.op(m);
        if records(op) {
            out.extend(touched(g, m));
            continue;
        }
        if let Op::Loop(l) = op {
            out.extend(l.undo.iter().copied());
            if let Some(Op::Loop(fwd)) = l.replay.map(|r| g.op(r)) {
                out.extend(fwd.undo.iter().copied());
            }
        }
        if !live.contains(&m) {
            continue;
        }
        out.extend(op.args());
        for b in regions(op) {
            nodes.extend(b.nodes.iter().copied());
        }
    }
    out
}

/// After a whole reverse sweep: the roll-backs and pops at the top level of
/// the function's body that nothing after them reads the buffer or its log
/// back from (the buffer is dropped when the function returns) are removed.
pub(super) fn drop_final_undos(g: &Graph, body: &mut Block) {
    let mut later = HashSet::new();
    let mut dead = HashSet::new();
    for &n in body.nodes.iter().rev() {
        match g.op(n) {
            Op::Buf(BufOp::Undo { buf: b, .. } | BufOp::Pop(b)) if !later.contains(b) => {
                dead.insert(n);
            }
            op if !regions(op).is_empty() => later.extend(touched(g, n)),
            op => later.extend(op.args()),
        }
    }
    body.nodes.retain(|n| !dead.contains(n));
}

/// For loop `l`, its writes to `buf` when they can be dropped: a range
/// loop not marking `buf`'s log, whose body accesses `buf` only at its top
/// level, writing only element `l.var` and reading it before every write,
/// other reads only of elements no iteration has written yet (see
/// [`crate::ir::not_yet_written`]).
fn writes_after_reads(g: &Graph, l: NodeId, buf: NodeId) -> Option<HashSet<NodeId>> {
    let Op::Loop(lp) = g.op(l) else {
        return None;
    };
    if lp.test.is_some() || lp.undo.contains(&buf) {
        return None;
    }
    let mut sets = HashSet::new();
    for &n in &lp.body.nodes {
        match g.op(n) {
            Op::Buf(BufOp::Get { buf: v, idx }) if *v == buf => {
                let own = *idx == lp.var && sets.is_empty();
                if !own && !crate::ir::not_yet_written(g, lp, *idx) {
                    return None;
                }
            }
            Op::Buf(BufOp::Set { buf: v, idx, .. }) if *v == buf => {
                if *idx != lp.var {
                    return None;
                }
                sets.insert(n);
            }
            Op::Buf(BufOp::Len(_)) => {}
            op if !regions(op).is_empty() => {
                if touched(g, n).contains(&buf) {
                    return None;
                }
            }
            op => {
                if op.args().contains(&buf) {
                    return None;
                }
            }
        }
    }
    (!sets.is_empty()).then_some(sets)
}

/// Marks every pending write of `buf` as followed by an access.
fn dirty(pending: &mut HashMap<NodeId, Vec<(usize, bool)>>, buf: NodeId) {
    if let Some(ws) = pending.get_mut(&buf) {
        for w in ws {
            w.1 = false;
        }
    }
}

/// Whether buffer `buf` logs its writes.
fn logged(g: &Graph, buf: NodeId) -> bool {
    matches!(g.op(buf), Op::Buf(BufOp::New { log: true, .. }))
}

/// Every node that region `n` or a block nested in it names: its operands,
/// and the buffers whose logs its loops mark or roll back.
fn touched(g: &Graph, n: NodeId) -> HashSet<NodeId> {
    let mut out = HashSet::new();
    let mut nodes = vec![n];
    while let Some(m) = nodes.pop() {
        let op = g.op(m);
        out.extend(op.args());
        if let Op::Loop(l) = op {
            out.extend(l.undo.iter().copied());
            if let Some(Op::Loop(fwd)) = l.replay.map(|r| g.op(r)) {
                out.extend(fwd.undo.iter().copied());
            }
        }
        for b in regions(op) {
            nodes.extend(b.nodes.iter().copied());
        }
    }
    out
}
