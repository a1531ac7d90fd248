//! Nested differentiation: a body that calls the gradient of another
//! `#[differentiable(hessian)]` function, `let (v, g) = h_grad(x, y)`.
//!
//! The call is one [`Nested`] node with [`Op::Result`](super::Op::Result)
//! outputs. Its derivatives are the callee's second derivatives, reached
//! through one Hessian-vector product and never a Hessian:
//!
//! - the value's partials are the gradient itself (`∂v/∂xⱼ = gⱼ`);
//! - the gradient's are the Hessian (`∂gᵢ/∂xⱼ = Hᵢⱼ`), so reverse mode pulls
//!   the adjoints `ḡ` back as `H·ḡ` (H is symmetric) and forward mode pushes
//!   tangents `ẋ` through as `H·ẋ`: either way a [`Nested`] node of kind
//!   [`NestedKind::Hvp`], the callee's forward-over-reverse HVP.
//!
//! The two perturbations never mix (no perturbation confusion): the inner
//! derivative is taken by the callee's own generated code, a different
//! function, and the outer one only sees its value and its HVP.

use proc_macro2::Span;

use super::{CallArg, NodeId, SourceSpans};

/// What a [`Nested`] node computes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NestedKind {
    /// `h_grad(args)`: [`Nested::outs`] is the value, then the gradient's
    /// elements (the non-opaque arguments' elements, in order).
    Grad,
    /// The callee's HVP at `args` along `dirs` (one entry per argument, one
    /// node per element, empty for an opaque argument): [`Nested::outs`]
    /// is `H·dirs`, flattened like the gradient.
    Hvp {
        /// The direction, per argument.
        dirs: Vec<Vec<NodeId>>,
    },
}

/// A call of the generated gradient (or HVP) of the function `path`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Nested {
    /// The callee `h` as written without `_grad` (a leading `""` for `::`).
    pub path: Vec<String>,
    /// The arguments.
    pub args: Vec<CallArg>,
    /// For each argument: written `&x`.
    pub by_ref: Vec<bool>,
    /// Where each argument is written, for errors about it.
    pub arg_spans: SourceSpans,
    /// Where the call is written.
    pub span: SpanEq,
    /// What it computes.
    pub kind: NestedKind,
    /// The output nodes (see [`NestedKind`]).
    pub outs: Vec<NodeId>,
    /// Written as a plain call `h(x)` of a scalar helper in a function with
    /// `hessian`, whose partials are `h`'s gradient (see
    /// `diff::nested::calls_as_nested`), rather than as `h_grad(x)`: only
    /// the error for an `h` without `hessian` differs.
    pub plain_call: bool,
    /// A plain call written as a method call `recv.h(x)` (the receiver is
    /// the first argument); a plain call whose path names a type
    /// (`Type::h(x)`) is an associated function's. Both go through the
    /// hidden `__h_pullback` and `__h_hvp_pullback` of `h`'s `impl`.
    pub method: bool,
    /// Per argument: no gradient entry is taken. Only a plain call's
    /// argument that depends on no differentiable input is inert: the
    /// callee may take it as `#[nograd]`, which the caller cannot see; its
    /// HVP direction is a zero of whatever type the callee takes.
    pub inert: Vec<bool>,
}

/// A span that never makes two operations different.
#[derive(Clone, Copy, Debug)]
pub struct SpanEq(pub Span);

impl PartialEq for SpanEq {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for SpanEq {}

impl std::hash::Hash for SpanEq {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl Nested {
    /// A call of a method or an associated function (see [`Nested::method`]).
    pub fn is_assoc(&self) -> bool {
        self.method || super::Call::path_is_assoc(&self.path)
    }

    /// The nodes it reads: the arguments' elements, then the direction's.
    pub fn args(&self) -> Vec<NodeId> {
        let dirs: &[Vec<NodeId>] = match &self.kind {
            NestedKind::Grad => &[],
            NestedKind::Hvp { dirs } => dirs,
        };
        self.args
            .iter()
            .flat_map(|a| a.elements().iter().copied())
            .chain(dirs.iter().flatten().copied())
            .collect()
    }

    /// Rewrites the nodes it reads.
    pub fn map_refs(&mut self, f: &mut impl FnMut(NodeId) -> NodeId) {
        for a in &mut self.args {
            a.map_refs(f);
        }
        if let NestedKind::Hvp { dirs } = &mut self.kind {
            dirs.iter_mut().flatten().for_each(|n| *n = f(*n));
        }
    }

    /// The differentiable elements of the arguments (those the gradient has
    /// an entry for), in the gradient's order.
    pub fn elements(&self) -> Vec<NodeId> {
        self.args
            .iter()
            .zip(&self.inert)
            .filter(|(_, &inert)| !inert)
            .flat_map(|(a, _)| a.elements().iter().copied())
            .collect()
    }

    /// The gradient's output nodes (a [`NestedKind::Grad`] node).
    pub fn grads(&self) -> &[NodeId] {
        &self.outs[1..]
    }
}
