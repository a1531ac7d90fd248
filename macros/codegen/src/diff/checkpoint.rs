//! Opt-in checkpointing (`#[differentiable(checkpoint = k)]`) as a loop
//! rewrite before the reverse sweep.
//!
//! A run-time range loop whose carried state the reverse sweep needs
//! (`x = x + h·f(x)`, not only sums) becomes a loop over segments of `k`
//! iterations around a loop over one segment:
//!
//! ```text
//! for s in 0..(n + k − 1) / k {            // keeps the state at each segment's start
//!     for i in start + s·k..min(start + s·k + k, end) { body }
//! }
//! ```
//!
//! The reverse sweep then does what it does for any nested loop: it keeps
//! the state at the entry of each segment (⌈n/k⌉ values per state
//! variable), and, undoing a segment, runs it forward again from that state
//! keeping its `k` states, then undoes it. Memory goes from `n` to
//! `⌈n/k⌉ + k` states per state variable (`k ≈ √n` gives `2√n`), at the cost
//! of running the loop's body forward once more.
//!
//! A loop whose state is a local buffer (`for _ in 0..s { for i in 0..n {
//! y[i] = … } }`: it writes a buffer declared outside it at indices other
//! than its own counter) is segmented the same way, and its loop over one
//! segment is a *snapshot* loop ([`Graph::snapshots`]): before it starts it
//! saves the whole buffer on the buffer's value log (n floats), and the
//! loops nested in it save nothing, so the forward pass keeps `n·⌈s/k⌉`
//! floats instead of `n·s`. Undoing a segment rolls the log back to the
//! segment's start (one slice copy), and the segment's rerun, a copy that
//! is not a snapshot loop, logs each of its `k` iterations as usual: `n·k`
//! more floats at a time. Loops nested in such a loop are not segmented.

use crate::ir::walk::regions;
use crate::ir::{Block, Carried, Graph, IntOp, Loop, NodeId, Op};
use crate::rules::Prim;

/// Segments every eligible loop of the graph (see the module docs).
pub(super) fn segment_loops(g: &mut Graph, k: usize) {
    let mut made = std::collections::HashSet::new();
    let mut body = std::mem::take(&mut g.body);
    let mut left = segment_block(g, &mut body, k, &mut made);
    g.body = body;
    while let Some(r) = left.pop() {
        let mut op = std::mem::replace(&mut g.nodes[r.index()].op, Op::Const(0.0));
        match &mut op {
            Op::If(i) => {
                left.extend(segment_block(g, &mut i.then, k, &mut made));
                left.extend(segment_block(g, &mut i.els, k, &mut made));
            }
            Op::Loop(l) => left.extend(segment_block(g, &mut l.body, k, &mut made)),
            _ => {}
        }
        g.nodes[r.index()].op = op;
    }
}

/// A forward range loop (the only kind segmented).
fn plain_range(l: &Loop) -> bool {
    l.test.is_none() && !l.rev && !l.inclusive && l.replay.is_none()
}

/// Whether loop `l` is a range loop whose state is a local buffer: it
/// writes a buffer declared outside it at an index other than its own
/// counter (an ODE step over a state vector), not only element by element.
fn buffer_state(g: &Graph, l: &Loop) -> bool {
    plain_range(l)
        && crate::ir::written_outside(g, &[&l.body])
            .iter()
            .any(|&buf| !crate::ir::own_elements(g, l, buf))
}

/// Whether loop `l` is a range loop carrying state (a float that is not
/// only summed into: `s += f(x_i)` reads `s` once, in its own `+`).
fn eligible(g: &Graph, l: &Loop) -> bool {
    let mut reads: Vec<NodeId> = Vec::new();
    let mut stack = vec![&l.body];
    while let Some(b) = stack.pop() {
        for &n in &b.nodes {
            reads.extend(g.op(n).args());
            reads.extend(crate::ir::walk::region_reads(g.op(n)));
            stack.extend(regions(g.op(n)));
        }
    }
    let summed = |c: &Carried| {
        matches!(g.op(c.next), Op::Prim(Prim::Add, a) if a[0] == c.param || a[1] == c.param)
            && reads.iter().filter(|&&r| r == c.param).count() == 1
    };
    plain_range(l) && l.carried.iter().any(|c| !c.int && !summed(c))
}

/// Segments the eligible loops of one block; returns its region nodes
/// (the segment loops' bodies included) for the caller to visit.
fn segment_block(
    g: &mut Graph,
    block: &mut Block,
    k: usize,
    made: &mut std::collections::HashSet<NodeId>,
) -> Vec<NodeId> {
    let mut out = Vec::with_capacity(block.nodes.len());
    let mut nested = Vec::new();
    for &n in &block.nodes {
        let snapshot = matches!(g.op(n), Op::Loop(l) if !made.contains(&n) && buffer_state(g, l));
        // the loops inside a buffer-state loop stay as they are
        if !regions(g.op(n)).is_empty() && !snapshot {
            nested.push(n);
        }
        let l = match g.op(n) {
            Op::Loop(l) if !made.contains(&n) && (snapshot || eligible(g, l)) => (**l).clone(),
            _ => {
                out.push(n);
                continue;
            }
        };
        let span = g.node(n).span;
        let at = |g: &mut Graph, nodes: &mut Vec<NodeId>, op: Op| {
            let id = g.add(op, span);
            nodes.push(id);
            id
        };
        // the number of segments, ⌈(end − start) / k⌉, before the loop
        let zero = at(g, &mut out, Op::IConst(0));
        let kc = at(g, &mut out, Op::IConst(k));
        let len = at(g, &mut out, Op::IArith(IntOp::SatSub, l.end, l.start));
        let km1 = at(g, &mut out, Op::IConst(k - 1));
        let padded = at(g, &mut out, Op::IArith(IntOp::Add, len, km1));
        let segments = at(g, &mut out, Op::IArith(IntOp::Div, padded, kc));
        // one segment's range, in the segment loop's body
        let inner = g.add(Op::Const(0.0), span);
        let seg = g.add(Op::Result(n), span);
        g.nodes[seg.index()].name = Some("segment".into());
        let mut body = Block::default();
        let kc_in = at(g, &mut body.nodes, Op::IConst(k));
        let off = at(g, &mut body.nodes, Op::IArith(IntOp::Mul, seg, kc_in));
        let from = at(g, &mut body.nodes, Op::IArith(IntOp::Add, l.start, off));
        let past = at(g, &mut body.nodes, Op::IArith(IntOp::Add, from, kc_in));
        let to = at(g, &mut body.nodes, Op::IArith(IntOp::Min, past, l.end));
        body.nodes.push(inner);
        let (mut outer_c, mut inner_c) = (Vec::new(), Vec::new());
        for c in &l.carried {
            let name = g.node(c.param).name.clone();
            let po = g.add(Op::Result(n), span);
            let io = g.add(Op::Result(inner), span);
            g.nodes[po.index()].name = name.clone();
            g.nodes[io.index()].name = name;
            g.nodes[c.param.index()].op = Op::Result(inner);
            inner_c.push(Carried {
                init: po,
                param: c.param,
                next: c.next,
                out: io,
                int: c.int,
            });
            outer_c.push(Carried {
                init: c.init,
                param: po,
                next: io,
                out: c.out,
                int: c.int,
            });
        }
        g.nodes[l.var.index()].op = Op::Result(inner);
        g.nodes[inner.index()].op = Op::Loop(Box::new(Loop {
            start: from,
            end: to,
            carried: inner_c,
            ..l.clone()
        }));
        g.nodes[n.index()].op = Op::Loop(Box::new(Loop {
            var: seg,
            start: zero,
            end: segments,
            carried: outer_c,
            body,
            ..l
        }));
        made.insert(n);
        made.insert(inner);
        if snapshot {
            g.snapshots.insert(inner);
        }
        out.push(n);
    }
    block.nodes = out;
    nested
}
