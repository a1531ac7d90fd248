//! Calls of helpers returning several floats (`-> [F; m]`, or an m-tuple).
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

use super::{Call, NodeId};

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
}

impl CallSweep {
    /// The nodes it reads beyond the call's arguments.
    pub fn inputs(&self) -> &[NodeId] {
        match self {
            CallSweep::Value => &[],
            CallSweep::Vjp(v) | CallSweep::Jvp(v) => v,
        }
    }

    /// Rewrites the nodes it reads.
    pub fn map_refs(&mut self, f: &mut impl FnMut(NodeId) -> NodeId) {
        if let CallSweep::Vjp(v) | CallSweep::Jvp(v) = self {
            v.iter_mut().for_each(|n| *n = f(*n));
        }
    }
}

impl Call {
    /// Whether the helper returns several floats.
    pub fn is_vector(&self) -> bool {
        !self.outs.is_empty() || !matches!(self.sweep, CallSweep::Value)
    }

    /// The nodes the call reads: its arguments' elements, then the
    /// cotangents or tangents of a derivative sweep.
    pub fn reads(&self) -> Vec<NodeId> {
        self.args
            .iter()
            .flat_map(|a| a.elements().to_vec())
            .chain(self.sweep.inputs().iter().copied())
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
