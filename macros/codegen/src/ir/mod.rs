//! The intermediate representation: an SSA graph of scalar operations.
//!
//! Every value is a scalar of the function's float type ([`Float`]) or a
//! boolean (comparisons). Arrays and loops are gone by the time code reaches
//! the IR: an array is a list of scalar nodes and a loop over a constant
//! range is unrolled by [`lower`]. Control flow that depends on run-time
//! values survives as [`Op::If`], a node that owns two [`Block`]s and defines
//! its results as [`Op::Result`] nodes. Calls to other differentiable
//! functions are [`Op::Call`] nodes with [`Op::Result`] outputs as well.
//!
//! Invariants: a block lists its nodes in evaluation order; a node refers
//! only to nodes defined before it, in its own block or an enclosing one.

mod buffer;
mod builder;
pub mod call;
pub mod dump;
pub mod eval;
pub mod loops;
pub mod lower;
pub mod nested;
pub mod structs;
pub mod walk;

use proc_macro2::Span;

pub use crate::rules::Prim;
pub use crate::types::{Float, Param};
pub use buffer::{not_yet_written, own_elements, written_outside, BufOp};
pub use builder::Builder;
pub use call::{Call, CallArg, CallSweep, PatItem, SourceSpans};
pub use loops::{Carried, IntOp, Loop, Test};
pub use nested::{Nested, NestedKind};
pub use structs::{AddStruct, ResultPart, StructAccum, StructArg, StructDot, StructExpr};

/// Index of a node in [`Graph::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The index into [`Graph::nodes`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Comparison operators, for conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cmp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Cmp {
    /// Applies the comparison.
    pub fn apply<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
        }
    }

    /// The Rust token.
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
        }
    }
}

/// A conditional whose branches are chosen at run time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct If {
    /// A boolean node.
    pub cond: NodeId,
    /// Taken when `cond` is true.
    pub then: Block,
    /// Taken otherwise.
    pub els: Block,
    /// One entry per result: (value in `then`, value in `els`, result node).
    pub outs: Vec<(NodeId, NodeId, NodeId)>,
}

/// An operation.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A constant, already rounded to the function's float type.
    Const(f64),
    /// A constant defined outside the function (`SCALE`, `physics::G`),
    /// by its path: its value is only known when the generated code runs.
    Extern(String),
    /// A scalar parameter, or one element of an array parameter.
    Param {
        /// Index into [`Graph::params`].
        param: usize,
        /// Element index for an array parameter.
        index: Option<usize>,
    },
    /// A primitive operation from the rules table.
    Prim(Prim, Vec<NodeId>),
    /// `a.powi(n)` with a constant `n`.
    Powi(NodeId, i32),
    /// A comparison, giving a boolean.
    Cmp(Cmp, NodeId, NodeId),
    /// Boolean `&&`.
    And(NodeId, NodeId),
    /// Boolean `||`.
    Or(NodeId, NodeId),
    /// Boolean `!`.
    Not(NodeId),
    /// `if c { a } else { b }` on values already computed.
    Select(NodeId, NodeId, NodeId),
    /// A run-time conditional; its results are [`Op::Result`] nodes.
    If(Box<If>),
    /// A call; its value and partials are [`Op::Result`] nodes.
    Call(Box<Call>),
    /// A call of another function's gradient or HVP (see [`nested`]).
    Nested(Box<Nested>),
    /// A value defined by the multi-output node it names.
    Result(NodeId),
    /// An integer constant.
    IConst(usize),
    /// An integer constant item of the surrounding code (`N`, `cfg::STEPS`),
    /// by its path, used as a bound or an index.
    IExtern(String),
    /// A `usize` parameter (index into [`Graph::params`]).
    IParam(usize),
    /// The length of a slice parameter (its number of rows for `&[[F; N]]`).
    Len(usize),
    /// Integer arithmetic.
    IArith(IntOp, NodeId, NodeId),
    /// An integer comparison, giving a boolean.
    ICmp(Cmp, NodeId, NodeId),
    /// `i as F`: an integer converted to the float type.
    ToFloat(NodeId),
    /// `xs[row]`, or `xs[row][col]` for rows of a fixed length: an element
    /// of a slice parameter, bounds-checked like Rust's indexing.
    Load {
        /// Index into [`Graph::params`].
        param: usize,
        /// The row (an integer node).
        row: NodeId,
        /// The column within a fixed-length row (an integer node).
        col: Option<NodeId>,
    },
    /// `d_xs[row][col] += value`: adds to the gradient buffer of a
    /// differentiable slice parameter (or, for an HVP's direction `v`, to
    /// the H·v buffer `hv_xs`; see [`Graph::directions`]); a statement
    /// with no value.
    Store {
        /// Index into [`Graph::params`].
        param: usize,
        /// The row (an integer node).
        row: NodeId,
        /// The column within a fixed-length row.
        col: Option<NodeId>,
        /// The float added.
        value: NodeId,
    },
    /// `[a, b, c][i]`: the element of a fixed-size array at a run-time
    /// index (an integer node), bounds-checked like Rust's indexing.
    Pick(NodeId, Vec<NodeId>),
    /// A run-time loop; see [`Loop`].
    Loop(Box<Loop>),
    /// Adds a callee's gradient for a struct argument into the gradient of
    /// a struct parameter; a statement with no value (see [`structs`]).
    AddStruct(Box<AddStruct>),
    /// A float: a call's gradient entry for a struct part dotted with the
    /// part's tangent (see [`StructDot`]).
    StructDot(Box<StructDot>),
    /// An operation on a local run-time buffer; see [`BufOp`].
    Buf(BufOp),
    /// Integer slot `slot` of what loop `of` recorded (its `record_int`) in
    /// the iteration that the enclosing reverse loop is undoing.
    RecallInt {
        /// The recording loop.
        of: NodeId,
        /// The position among the loop's recorded integers.
        slot: usize,
    },
    /// Slot `slot` of what loop `of` recorded in the iteration that the
    /// enclosing reverse loop is undoing.
    Recall {
        /// The recording loop.
        of: NodeId,
        /// The position among the loop's recorded values.
        slot: usize,
    },
}

impl Op {
    /// The nodes this operation reads directly (not those inside blocks).
    pub fn args(&self) -> Vec<NodeId> {
        match self {
            Op::Const(_)
            | Op::Extern(_)
            | Op::Param { .. }
            | Op::Result(_)
            | Op::IConst(_)
            | Op::IExtern(_)
            | Op::IParam(_)
            | Op::Len(_) => Vec::new(),
            Op::Recall { of, .. } | Op::RecallInt { of, .. } => vec![*of],
            Op::Prim(_, args) => args.clone(),
            Op::Powi(a, _) | Op::Not(a) | Op::ToFloat(a) => vec![*a],
            Op::Cmp(_, a, b)
            | Op::And(a, b)
            | Op::Or(a, b)
            | Op::IArith(_, a, b)
            | Op::ICmp(_, a, b) => vec![*a, *b],
            Op::Load { row, col, .. } => std::iter::once(*row).chain(*col).collect(),
            Op::Store {
                row, col, value, ..
            } => std::iter::once(*row).chain(*col).chain([*value]).collect(),
            Op::Loop(l) => l.args(),
            Op::AddStruct(a) => [a.call_value, a.coeff]
                .into_iter()
                .chain(a.entry_of)
                .collect(),
            Op::StructDot(d) => std::iter::once(d.call_value)
                .chain(d.entry_of)
                .chain(d.from_result)
                .collect(),
            Op::Buf(b) => b.args(),
            Op::Pick(i, elems) => std::iter::once(*i).chain(elems.iter().copied()).collect(),
            Op::Select(c, a, b) => vec![*c, *a, *b],
            Op::If(i) => vec![i.cond],
            // (a local buffer passed whole, and a sweep's sink, after the
            // scalars: see `Call::buffers`)
            Op::Call(c) => {
                let mut reads = c.reads();
                reads.extend(c.buffers());
                reads
            }
            Op::Nested(c) => c.args(),
        }
    }

    /// Whether the node yields a boolean.
    pub fn is_bool(&self) -> bool {
        matches!(
            self,
            Op::Cmp(..) | Op::And(..) | Op::Or(..) | Op::Not(_) | Op::ICmp(..)
        )
    }

    /// Whether the node yields an integer (index); a loop's induction
    /// variable, a result node, is one too.
    pub fn is_int(&self) -> bool {
        loops::is_int_op(self)
    }

    /// Whether the node has an effect beyond its value (a store into a
    /// gradient buffer), so it is never removed or merged.
    pub fn is_effect(&self) -> bool {
        match self {
            Op::Store { .. } | Op::AddStruct(_) => true,
            Op::Buf(b) => b.is_effect(),
            // a VJP call adding into a slice parameter's gradient buffer,
            // or its tangent adding into the H·v buffer
            Op::Call(c) => {
                c.has_slice() && matches!(c.sweep, CallSweep::Vjp(_) | CallSweep::VjpJvp(_))
            }
            _ => false,
        }
    }

    /// Whether the node reads or creates mutable memory (a local buffer,
    /// also through a call it is passed to whole):
    /// its value depends on when it runs, so it is never merged, moved or
    /// inlined.
    pub fn is_stateful(&self) -> bool {
        match self {
            Op::Buf(b) => b.is_stateful(),
            // a call reading a local buffer whole
            Op::Call(c) => !c.buffers().is_empty(),
            _ => false,
        }
    }

    /// Whether the node is a statement with [`Op::Result`] outputs rather
    /// than a value.
    pub fn is_multi(&self) -> bool {
        matches!(self, Op::If(_) | Op::Call(_) | Op::Nested(_) | Op::Loop(_))
    }
}

/// A node: an operation with what is known about where it came from.
#[derive(Clone, Debug)]
pub struct Node {
    /// What it computes.
    pub op: Op,
    /// The source name it was bound to, if any (`let pred = ...`).
    pub name: Option<String>,
    /// Whether the node is the derivative belonging to the value `name`
    /// names: its adjoint `∂f/∂<name>` in reverse mode, its tangent
    /// `∂<name>/∂x` in forward mode (see [`Graph::wrt`]). Emitted as
    /// `d_<name>` either way.
    pub adjoint: bool,
    /// For a tangent from one of several forward sweeps over one graph: the
    /// parameter element the sweep differentiates along (so the node named
    /// `q` is `∂q/∂x`, emitted `d_q_dx`); `None` otherwise.
    pub along: Option<(usize, Option<usize>)>,
    /// The user's tokens it came from.
    pub span: Span,
}

/// A straight-line sequence of nodes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Block {
    /// The nodes, in evaluation order.
    pub nodes: Vec<NodeId>,
}

/// Where the fallbacks of a function's callees live, which make a call
/// of a helper without a derivative one error (see `emit::missing`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fallbacks {
    /// Each call carries its own, naming the callee (a closure: one
    /// generated function).
    Local,
    /// Each call carries its own, whose error is the runtime's, the same
    /// diagnostic in each of a method's generated functions (an `impl`
    /// cannot hold the module of [`Fallbacks::Shared`]).
    Method,
    /// The module of this name beside a free function, shared by all its
    /// generated functions.
    Shared(String),
}

/// A function body in SSA form.
#[derive(Clone, Debug)]
pub struct Graph {
    /// The float type of every non-boolean value.
    pub float: Float,
    /// The parameters, in declaration order.
    pub params: Vec<Param>,
    /// Node storage; blocks refer into it.
    pub nodes: Vec<Node>,
    /// The top-level block.
    pub body: Block,
    /// The function's value.
    pub value: NodeId,
    /// After differentiation: one entry per parameter with `diff`, holding
    /// one node per element (a scalar parameter has one element).
    pub grads: Vec<Vec<NodeId>>,
    /// After forward-mode differentiation: the parameter (and element) the
    /// derivatives are taken with respect to; `None` in reverse mode. It
    /// says what a node marked [`Node::adjoint`] is the derivative *of*:
    /// with `Some(x)`, the node named `q` is `∂q/∂x`; with `None`, `∂f/∂q`.
    pub wrt: Option<(usize, Option<usize>)>,
    /// What differentiation found it cannot do yet, with where the user
    /// wrote it: the driver turns these into compile errors.
    pub unsupported: Vec<(Span, String)>,
    /// A call takes a part of a differentiable struct parameter whole:
    /// only the reverse sweep adds its gradient (see [`structs`]).
    pub struct_calls: bool,
    /// The elements of a vector value (`-> [F; m]`), in order; empty for a
    /// scalar function. [`Graph::value`] is then the first of them.
    pub outs: Vec<NodeId>,
    /// For a struct result (`-> State`): its type, and where each of
    /// [`Graph::outs`] sits in it (`.theta`, `.w[1]`).
    pub out_struct: Option<(Box<syn::Type>, Vec<crate::types::FieldPath>)>,
    /// For a struct result with `..base`: each part copied whole from a
    /// struct parameter (`target` in the parameter, `source` in the
    /// result, `zero` the fields the literal writes over it), outer parts
    /// first. Its derivative is the identity: the JVP copies the
    /// parameter's tangent, the VJP adds the cotangent's part into the
    /// parameter's gradient.
    pub out_rests: Vec<StructAccum>,
    /// For a struct result taken from calls' struct results bound to a
    /// name (`let p: State = f(…); p`, `State { x, ..p }`): each part
    /// copied whole, [`ResultPart::source`] its place in the result. Its
    /// derivative is the identity: the JVP copies the producer's result
    /// tangent, the VJP adds the cotangent's part into the producer's
    /// result cotangent (the element [`ResultPart::out`] has adjoint 1).
    pub out_results: Vec<ResultPart>,
    /// In a derived function with a direction (`name_jvp`): each
    /// differentiable struct parameter and the direction parameter holding
    /// its tangent, for the parts passed whole to calls.
    pub struct_directions: Vec<(usize, usize)>,
    /// Further outputs of the derived functions (tangents, Jacobian and
    /// Hessian entries), in the order their emitter reads them.
    pub extra: Vec<NodeId>,
    /// `#[differentiable(checkpoint = k)]`: before the reverse sweep, a
    /// run-time range loop that carries state becomes a loop over segments
    /// of `k` iterations around a loop over one segment, so the reverse
    /// sweep keeps one state per segment and one segment's states at a time.
    pub checkpoint: Option<usize>,
    /// `#[differentiable(record)]`: the forward loop of a run-time loop
    /// writes each iteration's transcendental values (`exp`, `ln`, `sin`,
    /// …, see [`crate::rules::Prim::is_costly`]) that its reverse sweep
    /// reads on its tape, one float per value and iteration, and the
    /// reverse sweep reads them back instead of calling the function again
    /// (see `diff::reverse_loop`). Without it (the default) an accumulator
    /// loop's reverse sweep keeps O(1) memory and recomputes them.
    pub record: bool,
    /// Where the fallbacks of the helpers it calls live (`emit::missing`).
    pub fallbacks: Fallbacks,
    /// Under `checkpoint = k`, the loops over one segment of a loop whose
    /// state is a local buffer: each saves the whole of every value-logged
    /// buffer it writes before it starts, and the loops nested in it save
    /// nothing (see `diff::checkpoint`). Copies made for the reverse sweep
    /// get new ids, so they log as usual.
    pub snapshots: std::collections::HashSet<NodeId>,
    /// For a derived function's direction parameter of run-time length
    /// (`tangent`, `v`), the differentiable slice parameter it is the
    /// direction of. A [`Op::Store`] into a direction adds into the H·v
    /// buffer of that parameter (the tangent of its gradient buffer).
    pub directions: std::collections::HashMap<usize, usize>,
}

impl Graph {
    /// An empty graph over the given parameters.
    pub fn new(float: Float, params: Vec<Param>) -> Self {
        Graph {
            float,
            params,
            nodes: Vec::new(),
            body: Block::default(),
            value: NodeId(0),
            grads: Vec::new(),
            wrt: None,
            unsupported: Vec::new(),
            struct_calls: false,
            out_struct: None,
            out_rests: Vec::new(),
            out_results: Vec::new(),
            struct_directions: Vec::new(),
            outs: Vec::new(),
            extra: Vec::new(),
            checkpoint: None,
            record: false,
            fallbacks: Fallbacks::Local,
            snapshots: std::collections::HashSet::new(),
            directions: std::collections::HashMap::new(),
        }
    }

    /// The node behind an id.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// The operation behind an id.
    pub fn op(&self, id: NodeId) -> &Op {
        &self.nodes[id.index()].op
    }

    /// Adds a node to storage (not to any block) and returns its id.
    pub fn add(&mut self, op: Op, span: Span) -> NodeId {
        let id = NodeId(u32::try_from(self.nodes.len()).expect("graph has fewer than 2^32 nodes"));
        self.nodes.push(Node {
            op,
            name: None,
            adjoint: false,
            along: None,
            span,
        });
        id
    }

    /// Every output: the value, then each gradient element, then the
    /// elements of a vector value and the extra outputs, then the
    /// elements standing for calls' struct results returned whole.
    pub fn outputs(&self) -> Vec<NodeId> {
        let mut out = vec![self.value];
        out.extend(self.grads.iter().flatten().copied());
        out.extend(self.outs.iter().copied());
        out.extend(self.extra.iter().copied());
        out.extend(self.out_results.iter().map(|r| r.out));
        out
    }

    /// The constant behind a node, if it is one.
    pub fn constant(&self, id: NodeId) -> Option<f64> {
        match self.op(id) {
            Op::Const(c) => Some(*c),
            _ => None,
        }
    }

    /// Number of scalar elements of parameter `p`.
    pub fn param_len(&self, p: usize) -> usize {
        self.params[p].len.unwrap_or(1)
    }
}

impl Block {
    /// Appends a new constant node to this block of `g`.
    pub fn push_const(&mut self, g: &mut Graph, c: f64, span: Span) -> NodeId {
        let id = g.add(Op::Const(c), span);
        self.nodes.push(id);
        id
    }
}

impl Op {
    /// Rewrites every node this operation refers to at its own level: the
    /// arguments, an `If`'s condition and branch values, a call's arguments.
    /// Result nodes and the contents of nested blocks are left alone.
    pub fn map_refs(&mut self, mut f: impl FnMut(NodeId) -> NodeId) {
        match self {
            Op::Const(_)
            | Op::Extern(_)
            | Op::Param { .. }
            | Op::Result(_)
            | Op::IConst(_)
            | Op::IExtern(_)
            | Op::IParam(_)
            | Op::Len(_) => {}
            Op::Recall { of, .. } | Op::RecallInt { of, .. } => *of = f(*of),
            Op::Prim(_, args) => args.iter_mut().for_each(|a| *a = f(*a)),
            Op::Powi(a, _) | Op::Not(a) | Op::ToFloat(a) => *a = f(*a),
            Op::Load { row, col, .. } => {
                *row = f(*row);
                if let Some(c) = col {
                    *c = f(*c);
                }
            }
            Op::Store {
                row, col, value, ..
            } => {
                *row = f(*row);
                if let Some(c) = col {
                    *c = f(*c);
                }
                *value = f(*value);
            }
            Op::Loop(l) => l.map_refs(&mut f),
            Op::AddStruct(a) => {
                a.call_value = f(a.call_value);
                a.coeff = f(a.coeff);
                a.entry_of = a.entry_of.map(&mut f);
            }
            Op::StructDot(d) => {
                d.call_value = f(d.call_value);
                d.entry_of = d.entry_of.map(&mut f);
                d.from_result = d.from_result.map(&mut f);
            }
            Op::Buf(b) => b.map_refs(&mut f),
            Op::Pick(i, elems) => {
                *i = f(*i);
                elems.iter_mut().for_each(|e| *e = f(*e));
            }
            Op::Cmp(_, a, b)
            | Op::And(a, b)
            | Op::Or(a, b)
            | Op::IArith(_, a, b)
            | Op::ICmp(_, a, b) => {
                *a = f(*a);
                *b = f(*b);
            }
            Op::Select(c, a, b) => {
                *c = f(*c);
                *a = f(*a);
                *b = f(*b);
            }
            Op::If(i) => {
                i.cond = f(i.cond);
                for (t, e, _) in &mut i.outs {
                    *t = f(*t);
                    *e = f(*e);
                }
            }
            Op::Call(c) => {
                for a in &mut c.args {
                    a.map_refs(&mut f);
                }
                c.sweep.map_refs(&mut f);
            }
            Op::Nested(c) => c.map_refs(&mut f),
        }
    }

    /// The result nodes a multi-output node defines.
    pub fn results(&self) -> Vec<NodeId> {
        match self {
            Op::If(i) => i.outs.iter().map(|o| o.2).collect(),
            Op::Loop(l) => l.results(),
            Op::Call(c) => c.results(),
            Op::Nested(c) => c.outs.clone(),
            _ => Vec::new(),
        }
    }
}
