//! Calls of other differentiable functions ([`Call`], [`CallArg`]), and how
//! calls of helpers returning several floats (`-> [F; m]`, or an m-tuple)
//! are swept.
//!
//! A scalar helper's call computes its value and, through the helper's
//! pullback, its partials in the forward pass ([`CallSweep::Value`] with
//! [`Call::partials`]). A vector helper has no gradient: its call yields
//! its m elements ([`Call::outs`], [`Call::value`] is the first), and the
//! derivative sweeps call it again through its own derived functions:
//!
//! - reverse mode: [`CallSweep::Vjp`], the helper's VJP seeded with the
//!   elements' adjoints; the gradient it returns is in [`Call::partials`]
//!   (no Jacobian is formed; the helper's value is recomputed inside it);
//! - forward mode: [`CallSweep::Jvp`], the helper's JVP along the
//!   arguments' tangents; the elements' tangents are its [`Call::outs`].
//!
//! In both, [`Call::value`] is a result nothing reads.

use proc_macro2::Span;

use super::{NodeId, StructArg};

/// Which of the helper's functions a call goes through.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CallSweep {
    /// The helper itself (a scalar helper: its pullback, when partials are
    /// wanted).
    Value,
    /// The VJP of a vector helper, with one cotangent node per element of
    /// its result.
    Vjp(Vec<NodeId>),
    /// The JVP of a vector helper, with one tangent node per argument
    /// element (in [`CallArg::elements`] order, all arguments flattened).
    Jvp(Vec<NodeId>),
    /// The tangent of a [`CallSweep::Vjp`] call (a forward sweep over a
    /// reverse one, for Hessians): the helper's `vjp_jvp` at the arguments
    /// along their tangents, with the cotangent and the cotangent's
    /// tangent. The nodes are the m cotangents, one tangent per argument
    /// element, then the m cotangents' tangents; [`Call::partials`] are
    /// the tangents of the VJP's gradient entries. For a call passing a
    /// slice on ([`Call::has_slice`]): the helper's hidden `hvp_into`,
    /// which also adds the tangent of the slices' gradient into the
    /// caller's H·v buffers (m = 1; the slices' tangents are the
    /// caller's directions).
    VjpJvp(Vec<NodeId>),
}

impl CallSweep {
    /// The nodes it reads beyond the call's arguments.
    pub fn inputs(&self) -> &[NodeId] {
        match self {
            CallSweep::Value => &[],
            CallSweep::Vjp(v) | CallSweep::Jvp(v) | CallSweep::VjpJvp(v) => v,
        }
    }

    /// Rewrites the nodes it reads.
    pub fn map_refs(&mut self, f: &mut impl FnMut(NodeId) -> NodeId) {
        if let CallSweep::Vjp(v) | CallSweep::Jvp(v) | CallSweep::VjpJvp(v) = self {
            v.iter_mut().for_each(|n| *n = f(*n));
        }
    }
}

impl Call {
    /// Whether the path names an associated function: `Self::f`,
    /// `System::f`, `physics::System::f` (the segment before the
    /// function's name is a type: `Self` or capitalised, as Rust's naming
    /// convention has it).
    pub fn is_assoc(&self) -> bool {
        Self::path_is_assoc(&self.path)
    }

    /// [`Call::is_assoc`] of a callee path as written.
    pub fn path_is_assoc(path: &[String]) -> bool {
        let segs: Vec<&String> = path.iter().filter(|s| !s.is_empty()).collect();
        segs.len() >= 2
            && segs[segs.len() - 2]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_uppercase())
    }

    /// A call of a helper returning one float: the calls a function with
    /// `hessian` differentiates twice as nested gradient calls, through the
    /// callee's HVP (`hvp_pullback`, a method's `__f_hvp_pullback`); a
    /// helper returning several floats (an array, a tuple or a struct) goes
    /// through its `vjp_jvp` (a method's `__f_vjp_jvp`) instead. A struct
    /// parameter (or `self`, or a part of one) passed on whole: the
    /// reverse sweep adds the callee's entry into the parameter's
    /// gradient, the forward sweep over it adds the entry's tangent (the
    /// callee's HVP entry, or its `vjp_jvp` entry) into its H·v.
    pub fn is_plain_scalar(&self) -> bool {
        !self.is_vector()
    }

    /// Whether a differentiable slice parameter or a local buffer is
    /// passed whole ([`CallArg::Slice`], [`CallArg::Local`]): the call is
    /// swept like a vector helper's, its reverse through the helper's
    /// hidden `vjp_into`.
    pub fn has_slice(&self) -> bool {
        self.args
            .iter()
            .any(|a| matches!(a, CallArg::Slice(_) | CallArg::Local { .. }))
    }

    /// Whether it is passed another call's struct result whole (see
    /// [`crate::ir::ResultPart`]).
    pub fn passes_result_whole(&self) -> bool {
        (self.args.iter()).any(|a| matches!(a, CallArg::Struct(s) if !s.results.is_empty()))
    }

    /// The local buffers passed whole ([`CallArg::Local`]) and their
    /// sinks: the buffers the call reads whole, and those a derivative
    /// sweep's call adds into (the reverse sweep's `vjp_into`) or reads
    /// whole (the forward sweep's `jvp`). [`crate::ir::Op::args`] lists
    /// them after [`Call::reads`], so every pass sees the call read the
    /// whole buffer (and write its adjoint).
    pub fn buffers(&self) -> Vec<NodeId> {
        let mut out = Vec::new();
        for a in &self.args {
            if let CallArg::Local { buf, sink } = a {
                out.push(*buf);
                out.extend(*sink);
            }
        }
        out
    }

    /// Whether the helper returns several floats.
    pub fn is_vector(&self) -> bool {
        !self.outs.is_empty()
            || self.struct_out.is_some()
            || !matches!(self.sweep, CallSweep::Value)
    }

    /// The nodes the call reads: its arguments' elements, then the
    /// cotangents or tangents of a derivative sweep, then the elements
    /// standing for other calls' struct results passed whole (see
    /// [`crate::ir::ResultPart`]; they order the calls, and keep the
    /// producer alive).
    pub fn reads(&self) -> Vec<NodeId> {
        self.args
            .iter()
            .flat_map(|a| a.elements().to_vec())
            .chain(self.sweep.inputs().iter().copied())
            .chain(self.args.iter().flat_map(|a| match a {
                CallArg::Struct(s) => s.results.iter().map(|r| r.out).collect(),
                _ => Vec::new(),
            }))
            .collect()
    }

    /// The result nodes it defines: the value, the further elements of a
    /// vector result, then the partials.
    pub fn results(&self) -> Vec<NodeId> {
        std::iter::once(self.value)
            .chain(self.outs.iter().copied().filter(|&o| o != self.value))
            .chain(self.partials.iter().flatten().flatten().copied())
            .collect()
    }
}

/// One argument of a call to another differentiable function.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CallArg {
    /// A scalar argument.
    Scalar(NodeId),
    /// A fixed-size array argument, element by element.
    Array(Vec<NodeId>),
    /// An opaque `#[nograd]` parameter passed through (by index).
    Opaque(usize),
    /// A tuple of scalars `(a, b)`, for a tuple parameter.
    Tuple(Vec<NodeId>),
    /// A variable a `grad!` closure captures (data, a size), passed
    /// through by name as written (`loss(w, &data)`).
    Capture(String),
    /// A struct value (see [`structs`]).
    Struct(Box<StructArg>),
    /// A differentiable slice parameter passed whole (by index): it has no
    /// elements; the reverse sweep's call of the helper's hidden
    /// `vjp_into` adds its gradient into the parameter's buffer `d_xs`.
    Slice(usize),
    /// A local buffer (`let mut v = vec![…]`) passed whole (`f(&v)`), by
    /// its `New` node: it has no elements, and the call reads the whole
    /// buffer when it runs (see [`Call::buffers`]).
    Local {
        /// The buffer.
        buf: NodeId,
        /// In a derivative sweep's call: the buffer the reverse sweep's
        /// `vjp_into` adds the buffer's gradient into (its adjoint
        /// buffer), or the forward sweep's `jvp` reads its tangent from
        /// (its tangent buffer); `None` for the call of the helper
        /// itself, and for a buffer with no adjoint or tangent.
        sink: Option<NodeId>,
    },
}

impl CallArg {
    /// Rewrites the nodes it refers to.
    pub fn map_refs(&mut self, f: &mut impl FnMut(NodeId) -> NodeId) {
        match self {
            CallArg::Scalar(n) => *n = f(*n),
            CallArg::Array(v) | CallArg::Tuple(v) => v.iter_mut().for_each(|n| *n = f(*n)),
            CallArg::Struct(s) => s.elems.iter_mut().for_each(|n| *n = f(*n)),
            CallArg::Local { buf, sink } => {
                *buf = f(*buf);
                *sink = sink.map(&mut *f);
            }
            CallArg::Opaque(_) | CallArg::Capture(_) | CallArg::Slice(_) => {}
        }
    }

    /// The scalar nodes of the argument, in order.
    pub fn elements(&self) -> &[NodeId] {
        match self {
            CallArg::Scalar(n) => std::slice::from_ref(n),
            CallArg::Array(v) | CallArg::Tuple(v) => v,
            CallArg::Struct(s) => &s.elems,
            CallArg::Opaque(_)
            | CallArg::Capture(_)
            | CallArg::Slice(_)
            | CallArg::Local { .. } => &[],
        }
    }
}

/// A call to another `#[differentiable]` function (or one with a custom derivative).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Call {
    /// The callee as written, e.g. `crate::physics::energy`.
    pub path: Vec<String>,
    /// The arguments.
    pub args: Vec<CallArg>,
    /// The node holding the returned value.
    pub value: NodeId,
    /// For each argument, for each element: the node holding the partial
    /// derivative of the value with respect to it, if it is wanted.
    pub partials: Vec<Vec<Option<NodeId>>>,
    /// Where each argument is written, for errors about it.
    pub arg_spans: SourceSpans,
    /// For each argument: written `&x` (a callee parameter `&f64` or
    /// `&[f64; N]`), so the generated call passes a reference too.
    pub by_ref: Vec<bool>,
    /// A method call `recv.f(args)`: the first argument is the receiver
    /// and [`Call::path`] is the method's name.
    pub method: bool,
    /// For a helper returning `[F; m]` or an m-tuple of floats: the nodes of
    /// its elements (see [`call`]); empty for a scalar helper.
    pub outs: Vec<NodeId>,
    /// The result is written as a tuple `(a, b)` rather than an array.
    pub tuple: bool,
    /// The result is a struct taken apart by a pattern, nested structs
    /// too (`Pair { a: State { x, v }, b }`): the pattern in pre-order,
    /// one [`PatItem::Leaf`] per element of [`Call::outs`]; or a struct
    /// bound to a name and read by field, one [`PatItem::Read`] per
    /// element.
    pub struct_out: Option<Vec<PatItem>>,
    /// Which of the helper's functions the call goes through.
    pub sweep: CallSweep,
    /// The helper returns one float: set on the reverse sweep's VJP call
    /// and the forward sweep's JVP call of a scalar helper passed a slice
    /// ([`Call::has_slice`]), and on the tangent of that VJP call (the
    /// helper's hidden `hvp_into`), whose cotangent and tangent are then
    /// floats rather than arrays.
    pub scalar_vjp: bool,
}

/// One step of a struct pattern written in pre-order, so that it is read
/// and written back without recursion: `Pair { a: State { x, v }, b }` is
/// `Open(None, Pair) Open(a, State) Leaf(x) Leaf(v) Close Leaf(b) Close`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PatItem {
    /// A struct pattern begins: the field it is the pattern of (none at
    /// the top) and its path as written.
    Open(Option<String>, String),
    /// A field bound to a float.
    Leaf(String),
    /// The struct pattern opened last ends.
    Close,
    /// A struct result bound to a name (`let p = f(…);`) and read by
    /// field: the path of one element of [`Call::outs`] (`.arm.l1`,
    /// `.w[2]`). A call's pattern is either all `Read`s or none.
    Read(Vec<crate::types::Seg>),
    /// A struct result bound to a name and passed on whole (or a path
    /// into it, `..p.arm`): the element of [`Call::outs`] standing for one
    /// such use, this node, which no float expression reads (see
    /// [`crate::ir::ResultPart`]). Only among `Read`s.
    Whole(NodeId),
}

/// Spans carried along for error messages; they never make two operations
/// different (every `SourceSpans` equals every other).
#[derive(Clone, Debug, Default)]
pub struct SourceSpans(pub Vec<Span>);

impl PartialEq for SourceSpans {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for SourceSpans {}

impl std::hash::Hash for SourceSpans {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl Call {
    /// Each scalar argument element with the partial derivative of the
    /// value with respect to it.
    pub fn element_partials(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.args
            .iter()
            .zip(&self.partials)
            .flat_map(|(arg, parts)| {
                arg.elements()
                    .iter()
                    .zip(parts)
                    .map(|(&x, p)| (x, p.expect("lowering creates every partial")))
            })
    }
}
