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

use std::collections::HashSet;

use crate::ir::walk::{region_reads, regions, substitute};
use crate::ir::{Block, Graph, Loop, NodeId, Op};
use crate::rules::Prim;

/// Fuses what can be fused, in every block; returns whether anything changed.
pub fn fuse(g: &mut Graph) -> bool {
    let body = std::mem::take(&mut g.body);
    let (body, changed) = fuse_block(g, body);
    g.body = body;
    changed
}

fn fuse_block(g: &mut Graph, mut block: Block) -> (Block, bool) {
    let mut changed = false;
    // nested blocks first
    for &n in &block.nodes.clone() {
        let mut op = std::mem::replace(&mut g.nodes[n.index()].op, Op::Const(0.0));
        match &mut op {
            Op::If(i) => {
                let (t, a) = fuse_block(g, std::mem::take(&mut i.then));
                let (e, b) = fuse_block(g, std::mem::take(&mut i.els));
                (i.then, i.els) = (t, e);
                changed |= a || b;
            }
            Op::Loop(l) => {
                let (b, a) = fuse_block(g, std::mem::take(&mut l.body));
                l.body = b;
                changed |= a;
                if let Some(t) = &mut l.test {
                    let (h, a) = fuse_block(g, std::mem::take(&mut t.head));
                    t.head = h;
                    changed |= a;
                }
            }
            _ => {}
        }
        g.nodes[n.index()].op = op;
    }
    'search: loop {
        for j in 0..block.nodes.len() {
            let Op::Loop(r) = g.op(block.nodes[j]) else {
                continue;
            };
            if r.replay.is_some() || !accumulates_only(g, r) || touches_buffers(g, &r.body) {
                continue;
            }
            for i in (0..j).rev() {
                let Op::Loop(f) = g.op(block.nodes[i]) else {
                    continue;
                };
                let same_range = f.test.is_none()
                    && r.test.is_none()
                    && f.start == r.start
                    && f.end == r.end
                    && f.inclusive == r.inclusive
                    && f.rev != r.rev
                    && f.record.is_empty();
                if !same_range || touches_buffers(g, &f.body) {
                    continue;
                }
                if let Some(hoist) = hoistable(g, &block, i, j) {
                    block = fuse_pair(g, block, i, j, &hoist);
                    changed = true;
                    continue 'search;
                }
            }
        }
        break;
    }
    (block, changed)
}

/// Whether a block (nested blocks included) reads or writes a local
/// buffer: its values depend on when it runs, so it stays where it is.
fn touches_buffers(g: &Graph, block: &Block) -> bool {
    let mut stack = vec![block];
    while let Some(b) = stack.pop() {
        for &n in &b.nodes {
            if matches!(g.op(n), Op::Buf(_)) {
                return true;
            }
            stack.extend(regions(g.op(n)));
        }
    }
    false
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
