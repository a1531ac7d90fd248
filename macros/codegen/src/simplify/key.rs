//! What a pure node computes, as a small hashable value: the key by which
//! [`cse`](super::cse) and [`share_branches`](super::share_branches) find
//! equal nodes.
//!
//! Two operations have equal keys exactly when they print alike with
//! `{:?}` (the key these passes used before): the same operation on the
//! same operand ids, a constant by its bits with every NaN one key (all
//! NaNs print `NaN`). Building a key allocates nothing for the common
//! operations; the rare ones (a pick from a list, a constant's path, a
//! struct dot product) keep their printed form.

use crate::ir::{BufOp, Cmp, IntOp, NodeId, Op, Prim};

/// The key of a value node: see the module documentation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// A float constant by its bits, every NaN the same.
    Const(u64),
    /// A parameter element.
    Param(usize, Option<usize>),
    /// A primitive of one argument.
    Prim1(Prim, NodeId),
    /// A primitive of two arguments.
    Prim2(Prim, NodeId, NodeId),
    /// A primitive of three arguments.
    Prim3(Prim, NodeId, NodeId, NodeId),
    /// `a.powi(n)`.
    Powi(NodeId, i32),
    /// A float comparison.
    Cmp(Cmp, NodeId, NodeId),
    /// `a && b`.
    And(NodeId, NodeId),
    /// `a || b`.
    Or(NodeId, NodeId),
    /// `!a`.
    Not(NodeId),
    /// `if c { a } else { b }` on values.
    Select(NodeId, NodeId, NodeId),
    /// An integer constant.
    IConst(usize),
    /// A `usize` parameter.
    IParam(usize),
    /// A slice parameter's length.
    Len(usize),
    /// Integer arithmetic.
    IArith(IntOp, NodeId, NodeId),
    /// An integer comparison.
    ICmp(Cmp, NodeId, NodeId),
    /// `i as F`.
    ToFloat(NodeId),
    /// An element of a slice parameter.
    Load(usize, NodeId, Option<NodeId>),
    /// A recorded float of a loop.
    Recall(NodeId, usize),
    /// A recorded integer of a loop.
    RecallInt(NodeId, usize),
    /// A local buffer's length.
    BufLen(NodeId),
    /// A local buffer's element `(buf, idx)`, read after the last write
    /// (or region) before it.
    BufGet(NodeId, NodeId, Option<NodeId>),
    /// Any other operation, by its printed form.
    Printed(String),
}

impl Key {
    /// The key of `op`, a node that may be merged with an equal one.
    /// `barrier` is the last node before it that may write a local
    /// buffer: two reads of a buffer are equal only with none between them.
    pub(crate) fn of(op: &Op, barrier: Option<NodeId>) -> Key {
        match *op {
            Op::Const(v) => Key::Const(if v.is_nan() {
                f64::NAN.to_bits()
            } else {
                v.to_bits()
            }),
            Op::Param { param, index } => Key::Param(param, index),
            Op::Prim(p, ref args) => match args[..] {
                [a] => Key::Prim1(p, a),
                [a, b] => Key::Prim2(p, a, b),
                [a, b, c] => Key::Prim3(p, a, b, c),
                _ => Key::Printed(format!("{op:?}")),
            },
            Op::Powi(a, n) => Key::Powi(a, n),
            Op::Cmp(c, a, b) => Key::Cmp(c, a, b),
            Op::And(a, b) => Key::And(a, b),
            Op::Or(a, b) => Key::Or(a, b),
            Op::Not(a) => Key::Not(a),
            Op::Select(c, a, b) => Key::Select(c, a, b),
            Op::IConst(n) => Key::IConst(n),
            Op::IParam(p) => Key::IParam(p),
            Op::Len(p) => Key::Len(p),
            Op::IArith(o, a, b) => Key::IArith(o, a, b),
            Op::ICmp(c, a, b) => Key::ICmp(c, a, b),
            Op::ToFloat(a) => Key::ToFloat(a),
            Op::Load { param, row, col } => Key::Load(param, row, col),
            Op::Recall { of, slot } => Key::Recall(of, slot),
            Op::RecallInt { of, slot } => Key::RecallInt(of, slot),
            Op::Buf(BufOp::Len(b)) => Key::BufLen(b),
            Op::Buf(BufOp::Get { buf, idx }) => Key::BufGet(buf, idx, barrier),
            _ => Key::Printed(format!("{op:?}")),
        }
    }

    /// The key of `b + a` for the key of `a + b` (and so for `·`): IEEE
    /// `+` and `·` commute exactly.
    pub(crate) fn swapped(&self) -> Option<Key> {
        match *self {
            Key::Prim2(p @ (Prim::Add | Prim::Mul), a, b) => Some(Key::Prim2(p, b, a)),
            _ => None,
        }
    }
}
