//! Struct values passed to other differentiable functions.
//!
//! A struct argument is written by the generated code as the user wrote
//! it (a parameter, a part of one, or a struct literal). Its gradient, the
//! callee's gradient entry, is a value of the struct's type, read back in
//! two ways:
//!
//! - the floats written in a literal (`State { x: a * 2.0, .. }`) are
//!   ordinary elements of the argument: each gets its partial
//!   (`entry.x`), so the reverse sweep handles them like array elements;
//! - the parts that come from a struct parameter (`s`, `s.arm`, `..s`),
//!   whose fields the macro cannot list, are added into that parameter's
//!   gradient whole, by an [`Op::AddStruct`](super::Op::AddStruct)
//!   statement the reverse sweep writes: `d_s.arm += d · entry.arm`,
//!   through `Differentiable::add_scaled` in the generated code. Fields a
//!   literal writes itself are zeroed in a copy first (`..s` contributes
//!   only the fields it supplies).

use super::NodeId;
use crate::types::Seg;

/// A struct argument of a call; see the module docs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StructArg {
    /// How the argument is written.
    pub expr: StructExpr,
    /// The float nodes written in literals, in order.
    pub elems: Vec<NodeId>,
    /// Where each element sits in the argument (`.x`, `.arm.l1`).
    pub elem_paths: Vec<Vec<Seg>>,
    /// The parts taken from differentiable struct parameters.
    pub accums: Vec<StructAccum>,
    /// The parts taken from calls' struct results bound to a name and
    /// passed on whole (`g(p)`, `..p` for `let p = f(…);`).
    pub results: Vec<ResultPart>,
    /// Written `*s` (`Self::adv(*self, h)`): the value behind a struct
    /// parameter taken by reference, passed by value.
    pub deref: bool,
}

/// A struct value as the generated code writes it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StructExpr {
    /// A struct parameter or a path into it: `s`, `s.arm`.
    Path {
        /// Index into [`Graph::params`](super::Graph::params).
        param: usize,
        /// The steps into it.
        path: Vec<Seg>,
    },
    /// `Ty { field: value, ..rest }`.
    Lit {
        /// The struct's path as written.
        ty: String,
        /// The fields written.
        fields: Vec<(String, StructExpr)>,
        /// `..rest`.
        rest: Option<Box<StructExpr>>,
    },
    /// Element `i` of [`StructArg::elems`].
    Elem(usize),
    /// An array of elements of [`StructArg::elems`].
    Array(Vec<usize>),
    /// Part `i` of [`StructArg::results`]: a call's struct result (or a
    /// path into it), written as the name it is bound to, `p`, `p.arm`.
    Res(usize),
}

/// A part of a struct argument taken from another call's struct result
/// bound to a name (`let p = twist(t, y); energy(p)`): a path into the
/// result, used whole.
///
/// The part is one more element of the producing call's
/// [`Call::outs`](super::Call::outs), `out`, marked
/// [`PatItem::Whole`](super::PatItem::Whole), that no float expression
/// reads: in the reverse sweep its adjoint is the consuming call's (the
/// scale of the consumer's gradient entry), and the producer's cotangent
/// gets `add_struct_partial(&mut cot<target>, d_out, &entry<source>)`;
/// in the forward sweep its tangent is the producer's JVP result tangent
/// at `target`, dotted with the consumer's entry
/// ([`StructDot::from_result`]). The consumer is a scalar helper called
/// at the top of the body, whose entries are bound where the reverse
/// sweep reads them. A part the function's own struct result copies
/// (`let p: State = f(…); p`, `State { x, ..p }`) is one too, in
/// [`Graph::out_results`](super::Graph::out_results): its adjoint is 1 and
/// its entry the function's cotangent, its tangent copied into the
/// result's.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResultPart {
    /// The producing call's element standing for this use.
    pub out: NodeId,
    /// The producing call node.
    pub call: NodeId,
    /// The path into the producer's result (empty for the whole).
    pub target: Vec<Seg>,
    /// Where in the argument (and so in the consumer's gradient entry).
    pub source: Vec<Seg>,
    /// Fields of the part that the enclosing literal writes itself
    /// (relative to `source`): left out of the entry.
    pub zero: Vec<Vec<Seg>>,
}

/// A part of a struct argument taken from a differentiable struct
/// parameter: its partial is added into the parameter's gradient.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StructAccum {
    /// The parameter.
    pub param: usize,
    /// Where in the parameter (`.arm`).
    pub target: Vec<Seg>,
    /// Where in the argument (and so in the callee's gradient entry).
    pub source: Vec<Seg>,
    /// Fields of the part that the literal writes itself (relative to
    /// `source`): zeroed before adding.
    pub zero: Vec<Vec<Seg>>,
}

/// `Σ <call's entry `arg`><source> · <tangent><target>` over every float,
/// with the fields in `zero` left out of the entry: the forward sweep's
/// term for a part of a struct parameter passed whole to a call, whose
/// tangent is the part of the direction parameter `tangent` (see
/// [`Graph::struct_directions`](super::Graph::struct_directions)).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StructDot {
    /// The call's value node (its entries are named after it).
    pub call_value: NodeId,
    /// The argument position.
    pub arg: usize,
    /// The part: `param` and `target` in the parameter, `source` and
    /// `zero` in the argument.
    pub accum: StructAccum,
    /// The direction parameter holding the parameter's tangent.
    pub tangent: usize,
    /// The [`Nested`](super::Nested) node whose entry it reads
    /// (`{node}_entry{arg}`), or `None` for the call's own entry
    /// (`{call_value}_partial{arg}`).
    pub entry_of: Option<NodeId>,
    /// The part is a call's struct result passed on whole rather than a
    /// parameter's ([`ResultPart`]): the tangent is that of this element
    /// of the producer's JVP call (its result tangent at `accum.target`);
    /// `accum.param` and `tangent` are unused.
    pub from_result: Option<NodeId>,
}

/// `d_<param><target> += coeff · <call's entry `arg`><source>`, with the
/// fields in `zero` left out: a statement of the reverse sweep.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AddStruct {
    /// The call's value node (its entries are named after it).
    pub call_value: NodeId,
    /// The argument position.
    pub arg: usize,
    /// What to add, and where.
    pub accum: StructAccum,
    /// The scale: the adjoint of the call's value (or, in a forward sweep
    /// over the reverse one, its tangent).
    pub coeff: NodeId,
    /// The [`Nested`](super::Nested) node whose entry it reads
    /// (`{node}_entry{arg}`: a call's gradient, or its HVP's in a forward
    /// sweep over the reverse one), or `None` for the call's own entry
    /// (`{call_value}_partial{arg}`).
    pub entry_of: Option<NodeId>,
    /// Added into the parameter's Hessian-vector product (`hv_<param>`,
    /// the tangent of its gradient in `name_hvp`) rather than into its
    /// gradient.
    pub tangent: bool,
}

impl StructArg {
    /// Whether the callee's gradient entry for the argument is read whole
    /// (a part comes from a struct parameter or a call's struct result).
    pub fn entry_read_whole(&self) -> bool {
        !self.accums.is_empty() || !self.results.is_empty()
    }
}
