//! Run-time loops and integer (index) values.
//!
//! A [`Loop`] is a region like [`super::If`]: a node that owns its body
//! block. It runs the body once per value of its induction variable over a
//! run-time range and threads its *carried* values through the iterations:
//! each carried value has an initial value outside, a parameter node inside
//! (its value at the entry of an iteration), the value the body computes
//! for the next iteration, and a result node outside (its value after the
//! last iteration; the initial value when the loop runs zero times).
//!
//! The induction variable, the carried parameters and the carried results
//! are [`Op::Result`] nodes of the loop. A loop may *record* some carried
//! parameters on a tape at each iteration's entry; the reverse sweep's loop
//! (which names the recording loop as its `replay`) reads them back with
//! [`Op::Recall`], last iteration first.

use super::{Block, NodeId, Op};

/// Integer operations on indices, with Rust's `usize` semantics: the
/// generated code writes the operator itself, so overflow panics (in debug
/// builds) exactly where the user's code would.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntOp {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b`
    Div,
    /// `a % b`
    Rem,
    /// `a.min(b)`: the length of a `zip`, or the user's `i.min(n)`.
    Min,
    /// `a.max(b)`
    Max,
    /// `a.abs_diff(b)`
    AbsDiff,
    /// `a.pow(b)`, `b` a compile-time constant (Rust's exponent is a `u32`).
    Pow,
    /// `a.saturating_sub(b)`: the number of `windows`.
    SatSub,
}

impl IntOp {
    /// Applies the operation; `None` where Rust panics (overflow, underflow,
    /// division by zero).
    pub fn apply(self, a: usize, b: usize) -> Option<usize> {
        match self {
            IntOp::Add => a.checked_add(b),
            IntOp::Sub => a.checked_sub(b),
            IntOp::Mul => a.checked_mul(b),
            IntOp::Div => a.checked_div(b),
            IntOp::Rem => a.checked_rem(b),
            IntOp::Min => Some(a.min(b)),
            IntOp::Max => Some(a.max(b)),
            IntOp::AbsDiff => Some(a.abs_diff(b)),
            IntOp::Pow => a.checked_pow(u32::try_from(b).ok()?),
            IntOp::SatSub => Some(a.saturating_sub(b)),
        }
    }

    /// The Rust operator (`None` for a method: see [`IntOp::method`]).
    pub fn symbol(self) -> Option<&'static str> {
        match self {
            IntOp::Add => Some("+"),
            IntOp::Sub => Some("-"),
            IntOp::Mul => Some("*"),
            IntOp::Div => Some("/"),
            IntOp::Rem => Some("%"),
            IntOp::Min | IntOp::Max | IntOp::AbsDiff | IntOp::Pow | IntOp::SatSub => None,
        }
    }

    /// The operation a `usize` method name stands for (the inverse of
    /// [`IntOp::method`]).
    pub fn from_method(name: &str) -> Option<IntOp> {
        [
            IntOp::Min,
            IntOp::Max,
            IntOp::AbsDiff,
            IntOp::Pow,
            IntOp::SatSub,
        ]
        .into_iter()
        .find(|op| op.method() == Some(name))
    }

    /// The `usize` method (`None` for an operator: see [`IntOp::symbol`]).
    pub fn method(self) -> Option<&'static str> {
        match self {
            IntOp::Min => Some("min"),
            IntOp::Max => Some("max"),
            IntOp::AbsDiff => Some("abs_diff"),
            IntOp::Pow => Some("pow"),
            IntOp::SatSub => Some("saturating_sub"),
            _ => None,
        }
    }
}

/// One value threaded through a loop's iterations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Carried {
    /// Its value before the loop (defined outside).
    pub init: NodeId,
    /// Its value at the entry of an iteration (a result node of the loop,
    /// read inside the body).
    pub param: NodeId,
    /// Its value at the end of an iteration (defined in the body, or
    /// `param` itself, or a value from outside).
    pub next: NodeId,
    /// Its value after the loop (a result node of the loop).
    pub out: NodeId,
    /// An index (`usize`) rather than a float: a counter, never differentiated.
    pub int: bool,
}

/// The test of a `while` loop, run before each iteration.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Test {
    /// Computes the condition from the carried parameters.
    pub head: Block,
    /// A boolean node of `head` (or from outside): the loop runs an
    /// iteration while it is true.
    pub cond: NodeId,
    /// A result node: how many iterations ran (what the reverse sweep,
    /// a range loop, runs over).
    pub trips: NodeId,
    /// The loop also runs over its range, and the test may end it early (a
    /// `for` loop with `break`); otherwise the range is unused.
    pub bounded: bool,
}

/// A loop over a run-time range of `usize`s, or a `while` loop.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Loop {
    /// The induction variable: a result node, an integer.
    pub var: NodeId,
    /// First value of the range (an integer node).
    pub start: NodeId,
    /// End of the range (an integer node), excluded unless `inclusive`.
    pub end: NodeId,
    /// `start..=end` rather than `start..end`.
    pub inclusive: bool,
    /// Runs the range backwards (`.rev()`).
    pub rev: bool,
    /// The values threaded through the iterations.
    pub carried: Vec<Carried>,
    /// The body, run once per iteration.
    pub body: Block,
    /// Carried parameters pushed on this loop's tape at each iteration's
    /// entry, for the reverse sweep (empty: no tape).
    pub record: Vec<NodeId>,
    /// Integer carried parameters pushed at each iteration's entry on the
    /// loop's index tape (before the undo-log lengths of `undo`), read back
    /// with [`Op::RecallInt`].
    pub record_int: Vec<NodeId>,
    /// For the loop of a reverse sweep: the loop whose tape its
    /// [`Op::Recall`] nodes read, one iteration back each time.
    pub replay: Option<NodeId>,
    /// For a `while` loop: its test (the range is then unused, `var` too,
    /// unless the test is `bounded`).
    pub test: Option<Test>,
    /// Logged local buffers (their `New` nodes) the body writes: a recording
    /// loop pushes each one's undo-log length at each iteration's entry, and
    /// the loop replaying it rolls each log back to that length before
    /// undoing the iteration (see [`super::BufOp`]).
    pub undo: Vec<NodeId>,
    /// A recording loop nested in another whose tape outlives each run:
    /// every run pushes its entries on top of the previous runs' and the
    /// loop replaying it pops them, so the forward sweep of the enclosing
    /// loop records every run once and its reverse sweep reads them back
    /// last first, instead of recomputing each run (see
    /// `diff::reverse_loop`). `false`: each run starts a fresh tape.
    pub stacked: bool,
}

impl Loop {
    /// How many integers the loop pushes on its index tape per iteration:
    /// recorded integers, then undo-log lengths.
    pub fn int_width(&self) -> usize {
        self.record_int.len() + self.undo.len()
    }

    /// The nodes read at the loop's own level: the range, the initial
    /// values, the tape it replays.
    pub fn args(&self) -> Vec<NodeId> {
        let mut v = vec![self.start, self.end];
        v.extend(self.carried.iter().map(|c| c.init));
        v.extend(self.replay);
        v.extend(self.undo.iter().copied());
        v
    }

    /// Rewrites the references of [`Op::map_refs`]: the range, the carried
    /// values' initial and next values, the recorded values and the replayed loop.
    pub fn map_refs(&mut self, f: &mut impl FnMut(NodeId) -> NodeId) {
        self.start = f(self.start);
        self.end = f(self.end);
        for c in &mut self.carried {
            c.init = f(c.init);
            c.next = f(c.next);
        }
        for r in self.record.iter_mut().chain(&mut self.record_int) {
            *r = f(*r);
        }
        if let Some(r) = &mut self.replay {
            *r = f(*r);
        }
        if let Some(t) = &mut self.test {
            t.cond = f(t.cond);
        }
        for u in &mut self.undo {
            *u = f(*u);
        }
    }

    /// Every result node: the induction variable, the carried parameters and results.
    pub fn results(&self) -> Vec<NodeId> {
        let mut v = vec![self.var];
        v.extend(self.test.as_ref().map(|t| t.trips));
        for c in &self.carried {
            v.push(c.param);
            v.push(c.out);
        }
        v
    }
}

/// Whether an operation yields an integer (index) value.
pub fn is_int_op(op: &Op) -> bool {
    matches!(
        op,
        Op::IConst(_)
            | Op::RecallInt { .. }
            | Op::IExtern(_)
            | Op::IParam(_)
            | Op::Len(_)
            | Op::IArith(..)
            | Op::Buf(super::BufOp::Len(_) | super::BufOp::Mark(_))
    )
}
