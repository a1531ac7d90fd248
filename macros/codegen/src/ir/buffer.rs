//! Local run-time buffers: `let mut v = vec![x; n];`, read `v[i]` and
//! written `v[i] = e` at run-time indices.
//!
//! A buffer is named by the node that creates it ([`BufOp::New`]); reads
//! and writes refer to that node, so copying a block (a reverse sweep's
//! recomputation) gives the copy its own buffer. Unlike every other value,
//! a buffer is mutable: a [`BufOp::Get`] reads it *when it runs*, so passes
//! never merge, move or inline reads, and writes are effects.
//!
//! Reverse mode needs a buffer's contents as they were when each region ran
//! forward. A buffer the reverse sweep differentiates is *logged*: each
//! write first pushes the index and the value it overwrites on the
//! buffer's undo log. The reverse of a write pops its entry back
//! ([`BufOp::Pop`]); a loop pushes the log's length at each iteration's
//! entry (its `undo` list) and its reverse loop rolls the log back to that
//! length before recomputing the iteration. So whenever the reverse sweep
//! reaches a node, the buffer holds what it held just after that node ran
//! forward. The log keeps one index and one value per write (the code
//! generator keeps values only, a slice per loop, for a buffer written only
//! by loops whose iterations each write their own element: see
//! `emit/value_log.rs`).

use super::NodeId;

/// An operation on a local buffer.
#[derive(Clone, Debug, PartialEq)]
pub enum BufOp {
    /// `let mut v = vec![init; len];`: a statement defining buffer `v`
    /// (named after this node).
    New {
        /// Its length (an integer node).
        len: NodeId,
        /// The value of every element (a float node).
        init: NodeId,
        /// Each write pushes what it overwrites on the undo log `v_log`.
        log: bool,
        /// The buffer of its adjoint (reverse mode), created just before it.
        adj: Option<NodeId>,
    },
    /// `v.len()`: an integer.
    Len(NodeId),
    /// `v[idx]`: the element now, bounds-checked like Rust's indexing.
    Get {
        /// The buffer (its `New` node).
        buf: NodeId,
        /// The index (an integer node).
        idx: NodeId,
    },
    /// `v[idx] = value;`, an effect (first `v_log.push((idx, v[idx]))` when logged).
    Set {
        /// The buffer (its `New` node).
        buf: NodeId,
        /// The index (an integer node).
        idx: NodeId,
        /// The float written.
        value: NodeId,
    },
    /// The reverse of a logged write: pops `(i, old)` from the undo log and
    /// puts `old` back at `i`; an effect.
    Pop(NodeId),
    /// `v.iter().sum()`: the adjoint of the value a buffer was filled with.
    Sum(NodeId),
    /// `v_log.len()`: an integer, taken just before a run-time `if` whose
    /// branches write `v`.
    Mark(NodeId),
    /// Rolls `v`'s undo log back to length `to` (an integer node), putting
    /// the overwritten values back: the reverse of such an `if` starts so.
    Undo {
        /// The buffer.
        buf: NodeId,
        /// The log length to return to (a [`BufOp::Mark`]).
        to: NodeId,
    },
    /// `[F; len][idx]`'s bounds check, for a write into a fixed-size array at
    /// a run-time index; an effect that panics where Rust's indexing would.
    Check {
        /// The index (an integer node).
        idx: NodeId,
        /// The array's length.
        len: usize,
    },
}

impl BufOp {
    /// The nodes it reads (a buffer's adjoint buffer is not read: the
    /// reverse sweep's operations on it keep it, or nothing does).
    pub fn args(&self) -> Vec<NodeId> {
        match self {
            BufOp::New { len, init, .. } => vec![*len, *init],
            BufOp::Len(b) | BufOp::Pop(b) | BufOp::Sum(b) | BufOp::Mark(b) => vec![*b],
            BufOp::Undo { buf, to } => vec![*buf, *to],
            BufOp::Get { buf, idx } => vec![*buf, *idx],
            BufOp::Set { buf, idx, value } => vec![*buf, *idx, *value],
            BufOp::Check { idx, .. } => vec![*idx],
        }
    }

    /// Rewrites the nodes it reads.
    pub fn map_refs(&mut self, f: &mut impl FnMut(NodeId) -> NodeId) {
        match self {
            BufOp::New { len, init, adj, .. } => {
                *len = f(*len);
                *init = f(*init);
                if let Some(a) = adj {
                    *a = f(*a);
                }
            }
            BufOp::Len(b) | BufOp::Pop(b) | BufOp::Sum(b) | BufOp::Mark(b) => *b = f(*b),
            BufOp::Undo { buf, to } => {
                *buf = f(*buf);
                *to = f(*to);
            }
            BufOp::Get { buf, idx } => {
                *buf = f(*buf);
                *idx = f(*idx);
            }
            BufOp::Set { buf, idx, value } => {
                *buf = f(*buf);
                *idx = f(*idx);
                *value = f(*value);
            }
            BufOp::Check { idx, .. } => *idx = f(*idx),
        }
    }

    /// Whether it changes memory (so it is never removed or merged).
    pub fn is_effect(&self) -> bool {
        matches!(
            self,
            BufOp::Set { .. } | BufOp::Pop(_) | BufOp::Check { .. } | BufOp::Undo { .. }
        )
    }

    /// Whether its value may differ between two runs with the same
    /// arguments (a read, a fresh buffer): never merged, moved or inlined.
    pub fn is_stateful(&self) -> bool {
        !matches!(self, BufOp::Len(_))
    }
}

/// The buffers declared outside `blocks` that they write (nested blocks
/// included), in order of first write.
pub fn written_outside(g: &super::Graph, blocks: &[&super::Block]) -> Vec<NodeId> {
    let mut declared = std::collections::HashSet::new();
    let mut written = Vec::new();
    let mut stack: Vec<&super::Block> = blocks.to_vec();
    while let Some(b) = stack.pop() {
        for &n in &b.nodes {
            match g.op(n) {
                super::Op::Buf(BufOp::New { .. }) => {
                    declared.insert(n);
                }
                super::Op::Buf(BufOp::Set { buf, .. }) if !written.contains(buf) => {
                    written.push(*buf)
                }
                _ => {}
            }
            stack.extend(super::walk::regions(g.op(n)));
        }
    }
    written.retain(|b| !declared.contains(b));
    written
}

/// Whether every access of loop `l` (nested blocks included) to buffer
/// `buf` is a write of element `l.var` or a read of an element no
/// iteration has written yet: element `l.var` itself, or one a constant
/// away on the side the range has still to reach (`v[i - c]` in a `.rev()`
/// range loop, `v[i + c]` in a forward one). Then no iteration sees what
/// another wrote, and each reads, before its own writes, elements as they
/// were before the loop (an in-place stencil swept against its direction).
pub fn own_elements(g: &super::Graph, l: &super::Loop, buf: NodeId) -> bool {
    if l.test.as_ref().is_some_and(|t| !t.bounded) {
        return false;
    }
    let mut stack: Vec<&super::Block> = regions_of_loop(l);
    while let Some(b) = stack.pop() {
        for &n in &b.nodes {
            let op = g.op(n);
            match op {
                super::Op::Buf(BufOp::Get { buf: v, idx }) => {
                    if *v == buf && *idx != l.var && !not_yet_written(g, l, *idx) {
                        return false;
                    }
                }
                super::Op::Buf(BufOp::Set { buf: v, idx, .. }) => {
                    if *v == buf && *idx != l.var {
                        return false;
                    }
                }
                super::Op::Buf(BufOp::Len(_) | BufOp::New { .. }) => {}
                super::Op::Loop(inner) if inner.undo.contains(&buf) => return false,
                _ => {
                    if op.args().contains(&buf) {
                        return false;
                    }
                }
            }
            stack.extend(super::walk::regions(op));
        }
    }
    true
}

/// Whether index `idx`, read in loop `l` whose iterations write only
/// their own element, names an element a later iteration writes or none
/// does: `l.var - c` in a range walked backwards, `l.var + c` (or `c +
/// l.var`) in one walked forwards, for a constant `c > 0`. A `while` loop
/// (even bounded) has no such reads.
pub fn not_yet_written(g: &super::Graph, l: &super::Loop, idx: NodeId) -> bool {
    use super::{IntOp, Op};
    if l.test.is_some() {
        return false;
    }
    let positive = |c: NodeId| matches!(g.op(c), Op::IConst(k) if *k > 0);
    match g.op(idx) {
        Op::IArith(IntOp::Sub, a, c) => l.rev && *a == l.var && positive(*c),
        Op::IArith(IntOp::Add, a, c) if *a == l.var => !l.rev && positive(*c),
        Op::IArith(IntOp::Add, c, a) if *a == l.var => !l.rev && positive(*c),
        _ => false,
    }
}

/// A loop's blocks: its test's head (for a `while`), its body.
fn regions_of_loop(l: &super::Loop) -> Vec<&super::Block> {
    let mut v = vec![&l.body];
    v.extend(l.test.as_ref().map(|t| &t.head));
    v
}
