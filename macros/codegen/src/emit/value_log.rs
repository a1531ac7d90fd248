//! Which local buffers keep a value-only undo log.
//!
//! A logged buffer normally saves `(index, old value)` before each write
//! (see [`super::buffer`]). A loop over a range whose iterations each write
//! only their own element `v[i]` (see [`crate::ir::own_elements`]) writes
//! at most elements `start..end` of `v`, and restoring those to what they
//! held before the loop undoes every one of its writes at once. Such a loop
//! saves that slice instead, before it starts:
//!
//! ```text
//! v_spans.push((lo, hi));                    // lo..hi = start..end within v.len()
//! v_saved.extend_from_slice(&v[lo..hi]);      // one float per element
//! for i in start..end { …; v[i] = e; }        // no logging inside
//! ```
//!
//! and rolling the log back to a mark (a length of `v_spans`) copies each
//! saved slice back, last first. A buffer gets this log when every write
//! to it sits at the top level of such a loop and nothing pops single
//! entries off its log; other buffers keep the `(index, value)` log.

use std::collections::{HashMap, HashSet};

use crate::ir::walk::regions;
use crate::ir::{Block, BufOp, Graph, NodeId, Op};

/// The buffers with a value-only log and the loops that save slices of them.
#[derive(Default)]
pub(super) struct ValueLogs {
    /// Buffers (their `New` nodes) whose log saves slices of values.
    pub(super) bufs: HashSet<NodeId>,
    /// For each loop, the value-logged buffers it saves a slice of before it starts.
    pub(super) loops: HashMap<NodeId, Vec<NodeId>>,
    /// The snapshot loops among them (see [`Graph::snapshots`]): each saves
    /// the whole of its buffers, not the slice of its range.
    pub(super) whole: HashSet<NodeId>,
}

/// Finds the value-logged buffers of `g` (see the module docs).
pub(super) fn value_logs(g: &Graph) -> ValueLogs {
    // per logged buffer: the loops saving it, or None once a write or a pop
    // rules the value log out
    let mut savers: HashMap<NodeId, Option<Vec<NodeId>>> = HashMap::new();
    let mut stack: Vec<(&Block, Option<NodeId>)> = vec![(&g.body, None)];
    while let Some((block, owner)) = stack.pop() {
        for &n in &block.nodes {
            let op = g.op(n);
            match op {
                Op::Buf(BufOp::Set { buf, .. }) if logged(g, *buf) => {
                    let entry = savers.entry(*buf).or_insert_with(|| Some(Vec::new()));
                    let covered = owner.filter(|&l| saves(g, l, *buf));
                    match (entry.as_mut(), covered) {
                        (Some(loops), Some(l)) => {
                            if !loops.contains(&l) {
                                loops.push(l);
                            }
                        }
                        _ => *entry = None,
                    }
                }
                Op::Buf(BufOp::Pop(buf)) => {
                    savers.insert(*buf, None);
                }
                Op::Loop(l) => {
                    stack.push((&l.body, Some(n)));
                    if let Some(t) = &l.test {
                        stack.push((&t.head, None));
                    }
                    continue;
                }
                _ => {}
            }
            for b in regions(op) {
                stack.push((b, None));
            }
        }
    }
    let mut out = ValueLogs::default();
    for (buf, loops) in savers {
        let Some(loops) = loops else { continue };
        out.bufs.insert(buf);
        for l in loops {
            out.loops.entry(l).or_default().push(buf);
        }
    }
    snapshot_logs(g, &mut out);
    for bufs in out.loops.values_mut() {
        bufs.sort();
    }
    out
}

/// A snapshot loop saves each value-logged buffer it writes whole, before
/// it starts, in place of the loops nested in it (see
/// [`Graph::snapshots`]): a buffer written anywhere else keeps its slices.
fn snapshot_logs(g: &Graph, out: &mut ValueLogs) {
    let mut snapshots: Vec<NodeId> = g.snapshots.iter().copied().collect();
    snapshots.sort();
    for s in snapshots {
        let Some(Op::Loop(l)) = g.nodes.get(s.index()).map(|n| &n.op) else {
            continue;
        };
        let mut inside = Vec::new();
        let mut stack = vec![&l.body];
        while let Some(b) = stack.pop() {
            for &n in &b.nodes {
                if matches!(g.op(n), Op::Loop(_)) {
                    inside.push(n);
                }
                stack.extend(regions(g.op(n)));
            }
        }
        for buf in crate::ir::written_outside(g, &[&l.body]) {
            if !out.bufs.contains(&buf) {
                continue;
            }
            for n in &inside {
                if let Some(bufs) = out.loops.get_mut(n) {
                    bufs.retain(|&b| b != buf);
                }
            }
            out.loops.entry(s).or_default().push(buf);
            out.whole.insert(s);
        }
    }
    out.loops.retain(|_, bufs| !bufs.is_empty());
}

/// Whether loop `l` can save a slice of `buf` before it starts: a range
/// loop (a bounded test allowed, though `break` puts writes in a branch)
/// whose accesses to `buf` are all at its own
/// element, that rolls `buf` back neither per iteration nor to the
/// iterations of a loop it replays.
fn saves(g: &Graph, l: NodeId, buf: NodeId) -> bool {
    let Op::Loop(lp) = g.op(l) else {
        return false;
    };
    let replays_undo = match lp.replay.map(|r| g.op(r)) {
        Some(Op::Loop(fwd)) => fwd.undo.contains(&buf),
        _ => false,
    };
    !lp.undo.contains(&buf) && !replays_undo && crate::ir::own_elements(g, lp, buf)
}

/// Whether buffer `buf` logs its writes.
fn logged(g: &Graph, buf: NodeId) -> bool {
    matches!(g.op(buf), Op::Buf(BufOp::New { log: true, .. }))
}

/// The rustdoc's sentence on snapshot loops, when `g` has one that saves a
/// buffer whole (checkpointing every `k` iterations).
pub(super) fn snapshot_note(g: &Graph, k: usize) -> String {
    if value_logs(g).whole.is_empty() {
        return String::new();
    }
    format!(
        " A loop whose state is a local buffer saves the whole buffer once per segment instead \
         of each iteration's writes: a buffer of n values over s iterations keeps n·⌈s/{k}⌉ \
         floats on its log, plus n·{k} while the backward pass reruns one segment (logging its \
         iterations again), instead of n·s."
    )
}
