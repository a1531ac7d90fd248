//! Loop fusion: a reverse loop that only accumulates runs inside its
//! forward loop.
//!
//! When the reverse loop of `for i in r { s += f(x_i) }` needs no tape and
//! every value it carries is a sum (`d_w += …`, no carried value reading
//! another), its iterations are independent of each other and of their
//! order. If moreover everything it reads from outside is known before the
//! forward loop starts (the adjoint of `s` is a constant, or depends only on
//! values before the loop: then those are moved up), its body joins the
//! forward loop's body: one pass over the data instead of two, and CSE
//! then computes each shared value once, as a hand-written adjoint does.
//! Sums are added in the forward order instead of the reverse one, which
//! only changes their rounding.

use std::collections::{HashMap, HashSet};

use crate::ir::walk::{region_reads, regions, substitute};

use crate::ir::{Block, BufOp, Graph, Loop, NodeId, Op};
use crate::rules::Prim;

/// How many earlier loops over the same range a reverse loop is tried
/// with, and how many nodes before it are looked at to find them, so that
/// a block of many loops costs linear time. A forward loop further back is
/// not fused: the two loops stay apart, which is correct, one more pass.
const CANDIDATES: usize = 4;
const LOOKBACK: usize = 1024;

/// The most nodes a forward loop's body may hold to take in one more
/// reverse loop: each fusion walks that body, so a bound keeps a block of
/// many fusing loops linear (a larger loop stays as it is).
const MAX_BODY: usize = 4096;

/// A block of a node: which one [`fuse`] works on.
#[derive(Clone, Copy)]
enum Slot {
    Then,
    Else,
    Body,
    Head,
}

/// Fuses what can be fused, in every block (nested blocks before the
/// blocks around them, with a work list instead of recursion); returns
/// whether anything changed.
pub fn fuse(g: &mut Graph) -> bool {
    // every nested block, each after the block holding it
    let mut order: Vec<(NodeId, Slot)> = Vec::new();
    let mut stack: Vec<NodeId> = g.body.nodes.clone();
    while let Some(n) = stack.pop() {
        match g.op(n) {
            Op::If(i) => {
                order.extend([(n, Slot::Then), (n, Slot::Else)]);
                stack.extend(i.then.nodes.iter().chain(&i.els.nodes));
            }
            Op::Loop(l) => {
                order.push((n, Slot::Body));
                stack.extend(&l.body.nodes);
                if let Some(t) = &l.test {
                    order.push((n, Slot::Head));
                    stack.extend(&t.head.nodes);
                }
            }
            _ => {}
        }
    }
    let mut changed = false;
    for &(n, slot) in order.iter().rev() {
        let Some(block) = slot_of(g, n, slot).map(std::mem::take) else {
            continue;
        };
        let (block, fused) = fuse_block(g, block);
        if let Some(b) = slot_of(g, n, slot) {
            *b = block;
        }
        changed |= fused;
    }
    let body = std::mem::take(&mut g.body);
    let (body, fused) = fuse_block(g, body);
    g.body = body;
    changed || fused
}

fn slot_of(g: &mut Graph, n: NodeId, slot: Slot) -> Option<&mut Block> {
    match (&mut g.nodes[n.index()].op, slot) {
        (Op::If(i), Slot::Then) => Some(&mut i.then),
        (Op::If(i), Slot::Else) => Some(&mut i.els),
        (Op::Loop(l), Slot::Body) => Some(&mut l.body),
        (Op::Loop(l), Slot::Head) => l.test.as_mut().map(|t| &mut t.head),
        _ => None,
    }
}

/// Fuses the loops of one block, not looking into nested blocks.
fn fuse_block(g: &mut Graph, mut block: Block) -> (Block, bool) {
    let mut changed = false;
    let mut j = 0;
    while j < block.nodes.len() {
        match partner(g, &block, j) {
            Some((i, hoist)) => {
                block = fuse_pair(g, block, i, j, &hoist);
                changed = true;
                // what lies before `i` is unchanged and was tried already
                j = i;
            }
            None => j += 1,
        }
    }
    (block, changed)
}

/// The forward loop the loop at `j` can join, if it is a reverse loop
/// that only accumulates, with the nodes to move before it.
fn partner(g: &Graph, block: &Block, j: usize) -> Option<(usize, Vec<usize>)> {
    let Op::Loop(r) = g.op(block.nodes[j]) else {
        return None;
    };
    if r.replay.is_some() || !r.undo.is_empty() || !accumulates_only(g, r) {
        return None;
    }
    let mut tried = 0;
    for i in (j.saturating_sub(LOOKBACK)..j).rev() {
        let Op::Loop(f) = g.op(block.nodes[i]) else {
            continue;
        };
        let same_range = f.test.is_none()
            && r.test.is_none()
            && f.start == r.start
            && f.end == r.end
            && f.inclusive == r.inclusive
            && f.rev != r.rev
            && f.record.is_empty()
            && f.undo.is_empty();
        if !same_range {
            continue;
        }
        if tried == CANDIDATES {
            return None;
        }
        tried += 1;
        if !within_size(g, &f.body.nodes, MAX_BODY) || !buffers_allow_fusion(g, block, i, j) {
            continue;
        }
        if let Some(hoist) = hoistable(g, block, i, j) {
            return Some((i, hoist));
        }
    }
    None
}

/// Whether the nodes and their nested blocks number at most `limit`
/// (stops counting there).
fn within_size(g: &Graph, roots: &[NodeId], limit: usize) -> bool {
    let mut count = 0;
    let mut stack = vec![roots];
    while let Some(nodes) = stack.pop() {
        count += nodes.len();
        if count > limit {
            return false;
        }
        for &n in nodes {
            stack.extend(regions(g.op(n)).into_iter().map(|b| b.nodes.as_slice()));
        }
    }
    true
}

/// The nodes and every node of their nested blocks.
fn nodes_within(g: &Graph, roots: &[NodeId]) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut stack = vec![roots];
    while let Some(nodes) = stack.pop() {
        for &n in nodes {
            out.push(n);
            stack.extend(regions(g.op(n)).into_iter().map(|b| b.nodes.as_slice()));
        }
    }
    out
}

/// Whether local buffers let the forward loop at `i` and the reverse loop
/// at `j` fuse. Both may read buffers: the reverse sweep reads a buffer as
/// it was when the forward loop ran (it restores what later writes
/// overwrote), which is what the reads see once moved into the forward
/// loop (values computed before the loops, as `exp(q)` kept for a loop
/// over data points). The reverse loop may write only sums into a buffer,
/// `a[k] = a[k] + term` with `a[k]` read nowhere else (an adjoint buffer:
/// the order of the terms then only changes the rounding, as for the
/// carried sums), into buffers that nothing else from the forward loop to
/// the reverse loop touches, since fusing moves those sums before it (a
/// call passed a buffer whole, or adding into it, counts as touching it).
/// Anything else on a buffer (a buffer made, popped or rolled back in
/// either loop, a write of the forward loop) keeps the loops apart.
fn buffers_allow_fusion(g: &Graph, block: &Block, i: usize, j: usize) -> bool {
    let (Op::Loop(f), Op::Loop(r)) = (g.op(block.nodes[i]), g.op(block.nodes[j])) else {
        return false;
    };
    let in_f = nodes_within(g, &f.body.nodes);
    let in_r = nodes_within(g, &r.body.nodes);
    let mut summed = HashSet::new();
    // the reads `a[k]` that only feed their own sum's write
    let mut sum_reads = HashSet::new();
    for (&n, reverse) in in_f
        .iter()
        .map(|n| (n, false))
        .chain(in_r.iter().map(|n| (n, true)))
    {
        match g.op(n) {
            Op::Buf(BufOp::Get { .. } | BufOp::Len(_)) => {}
            Op::Buf(BufOp::Set { buf, idx, value }) if reverse => {
                let Some(get) = summed_read(g, *buf, *idx, *value) else {
                    return false;
                };
                summed.insert(*buf);
                sum_reads.insert(get);
            }
            Op::Buf(_) => return false,
            _ => {}
        }
    }
    // each `a[k]` of a sum is read by its add only, and `a` by nothing else
    let mut readers: HashMap<NodeId, usize> = HashMap::new();
    for &n in in_f.iter().chain(&in_r) {
        for a in g.op(n).args().into_iter().chain(region_reads(g.op(n))) {
            *readers.entry(a).or_default() += 1;
        }
    }
    if sum_reads
        .iter()
        .any(|n| readers.get(n).copied().unwrap_or(0) != 1)
    {
        return false;
    }
    for &n in in_f.iter().chain(&in_r) {
        match g.op(n) {
            Op::Buf(BufOp::Get { buf, .. } | BufOp::Len(buf))
                if summed.contains(buf) && !sum_reads.contains(&n) =>
            {
                return false
            }
            // a call reading a buffer whole (or adding into it, a VJP's
            // sink) sees or makes partial sums
            Op::Call(c) if c.buffers().iter().any(|b| summed.contains(b)) => return false,
            _ => {}
        }
    }
    // nothing between the loops touches what the reverse loop sums into
    // (the forward loop itself only reads)
    nodes_within(g, &block.nodes[i + 1..j])
        .iter()
        .all(|&n| match g.op(n) {
            Op::Buf(b) => !b.args().first().is_some_and(|x| summed.contains(x)),
            Op::Call(c) => !c.buffers().iter().any(|b| summed.contains(b)),
            _ => true,
        })
}

/// For `a[idx] = value`: the read `a[idx]` when `value` is `a[idx] + term`
/// (or `term + a[idx]`) with `term` not that read.
fn summed_read(g: &Graph, buf: NodeId, idx: NodeId, value: NodeId) -> Option<NodeId> {
    let Op::Prim(Prim::Add, a) = g.op(value) else {
        return None;
    };
    let is_read = |n: NodeId| matches!(g.op(n), Op::Buf(BufOp::Get { buf: b, idx: k }) if *b == buf && *k == idx);
    match (is_read(a[0]), is_read(a[1])) {
        (true, false) => Some(a[0]),
        (false, true) => Some(a[1]),
        _ => None,
    }
}

/// Every carried value is `param + term` where `param` is read nowhere else.
fn accumulates_only(g: &Graph, l: &Loop) -> bool {
    let params: HashSet<NodeId> = l.carried.iter().map(|c| c.param).collect();
    let mut reads: Vec<NodeId> = Vec::new();
    let mut stack = vec![&l.body];
    while let Some(b) = stack.pop() {
        for &n in &b.nodes {
            reads.extend(g.op(n).args());
            reads.extend(region_reads(g.op(n)));
            stack.extend(regions(g.op(n)));
        }
    }
    l.carried.iter().all(|c| {
        let Op::Prim(Prim::Add, a) = g.op(c.next) else {
            return false;
        };
        let term = if a[0] == c.param { a[1] } else { a[0] };
        let own_add = (a[0] == c.param) != (a[1] == c.param) && !params.contains(&term);
        // the param's only reader is its own add
        own_add && reads.iter().filter(|&&x| x == c.param).count() == 1
    })
}

/// The nodes between the forward loop (position `i`) and the reverse loop
/// (position `j`) that the reverse loop reads, directly or not, if all of
/// them can move before the forward loop (pure values that do not depend on
/// it); `None` otherwise.
fn hoistable(g: &Graph, block: &Block, i: usize, j: usize) -> Option<Vec<usize>> {
    let r = match g.op(block.nodes[j]) {
        Op::Loop(r) => r,
        _ => return None,
    };
    let mut defined_inside: HashSet<NodeId> = r.results().into_iter().collect();
    let mut free: Vec<NodeId> = r.args();
    let mut stack = vec![&r.body];
    while let Some(b) = stack.pop() {
        for &n in &b.nodes {
            defined_inside.insert(n);
            defined_inside.extend(g.op(n).results());
            free.extend(g.op(n).args());
            free.extend(region_reads(g.op(n)));
            stack.extend(regions(g.op(n)));
        }
    }
    free.extend(r.carried.iter().map(|c| c.next));
    free.retain(|n| !defined_inside.contains(n));
    // where each value defined between the loops sits
    let mut at = std::collections::HashMap::new();
    for (k, &n) in block.nodes.iter().enumerate().take(j).skip(i) {
        at.insert(n, k);
        for res in g.op(n).results() {
            at.insert(res, k);
        }
    }
    let mut hoist = HashSet::new();
    while let Some(n) = free.pop() {
        let Some(&k) = at.get(&n) else {
            continue;
        };
        let node = block.nodes[k];
        let op = g.op(node);
        if k == i
            || node != n
            || op.is_multi()
            || op.is_effect()
            || op.is_stateful()
            || matches!(op, Op::Recall { .. })
        {
            return None;
        }
        if hoist.insert(k) {
            free.extend(op.args());
        }
    }
    let mut v: Vec<usize> = hoist.into_iter().collect();
    v.sort_unstable();
    Some(v)
}

/// Moves the nodes at `hoist` before the forward loop at `i`, then the
/// reverse loop at `j` into it.
fn fuse_pair(g: &mut Graph, block: Block, i: usize, j: usize, hoist: &[usize]) -> Block {
    let (f_id, r_id) = (block.nodes[i], block.nodes[j]);
    let Op::Loop(r) = std::mem::replace(&mut g.nodes[r_id.index()].op, Op::Const(0.0)) else {
        unreachable!("checked by the caller")
    };
    for res in r.results() {
        g.nodes[res.index()].op = Op::Result(f_id);
    }
    let Op::Loop(f) = &g.nodes[f_id.index()].op else {
        unreachable!("checked by the caller")
    };
    let f_var = f.var;
    let map = std::collections::HashMap::from([(r.var, f_var)]);
    substitute(g, &r.body, &map);
    if let Op::Loop(f) = &mut g.nodes[f_id.index()].op {
        f.carried.extend(r.carried.iter().copied());
        f.body.nodes.extend(r.body.nodes.iter().copied());
    }
    let hoisted: HashSet<usize> = hoist.iter().copied().collect();
    let mut out = Block::default();
    out.nodes.extend_from_slice(&block.nodes[..i]);
    out.nodes.extend(hoist.iter().map(|&k| block.nodes[k]));
    for (k, &n) in block.nodes.iter().enumerate().skip(i) {
        if k != j && !hoisted.contains(&k) {
            out.nodes.push(n);
        }
    }
    out
}
