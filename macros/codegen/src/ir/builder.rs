//! [`Builder`]: appends nodes to one block of a graph, with shorthands for
//! the operations the rules and passes build most.

use std::collections::{HashMap, HashSet};

use proc_macro2::Span;

use super::walk::Effects;
use super::{Block, Cmp, Graph, NodeId, Op, Prim};

/// Appends nodes to one block of a graph; the rules and passes build through it.
pub struct Builder<'g> {
    /// The graph being extended.
    pub graph: &'g mut Graph,
    /// Where new nodes go.
    pub block: Block,
    /// The span new nodes get.
    pub span: Span,
    /// Which finished regions hold effects (see [`Effects`]).
    pub effects: Effects,
    /// The reverse sweep's `if`s that are reversed from their own nodes
    /// instead of from a copy of an enclosing branch (see
    /// `diff::reverse`): those without effects whose results only leave
    /// through an enclosing `if`'s results.
    pub shallow: HashSet<NodeId>,
    /// While the reverse sweep is inside the recomputed copy of a branch:
    /// each node of that branch (and of the enclosing ones) to its copy, for
    /// the `if`s of [`Builder::shallow`] to read their inputs from.
    pub outer: HashMap<NodeId, NodeId>,
}

impl<'g> Builder<'g> {
    /// A builder appending to a fresh block.
    pub fn new(graph: &'g mut Graph, span: Span) -> Self {
        Builder {
            graph,
            block: Block::default(),
            span,
            effects: Effects::default(),
            shallow: HashSet::new(),
            outer: HashMap::new(),
        }
    }

    /// Appends a node with `op` and returns it.
    pub fn push(&mut self, op: Op) -> NodeId {
        let id = self.graph.add(op, self.span);
        self.block.nodes.push(id);
        id
    }

    /// A constant, rounded to the graph's float type.
    pub fn constant(&mut self, c: f64) -> NodeId {
        let c = self.graph.float.round(c);
        self.push(Op::Const(c))
    }

    /// A primitive operation.
    pub fn prim(&mut self, p: Prim, args: &[NodeId]) -> NodeId {
        self.push(Op::Prim(p, args.to_vec()))
    }

    /// `a + b`
    pub fn add(&mut self, a: NodeId, b: NodeId) -> NodeId {
        self.prim(Prim::Add, &[a, b])
    }

    /// `a - b`
    pub fn sub(&mut self, a: NodeId, b: NodeId) -> NodeId {
        self.prim(Prim::Sub, &[a, b])
    }

    /// `a * b`
    pub fn mul(&mut self, a: NodeId, b: NodeId) -> NodeId {
        self.prim(Prim::Mul, &[a, b])
    }

    /// `a / b`
    pub fn div(&mut self, a: NodeId, b: NodeId) -> NodeId {
        self.prim(Prim::Div, &[a, b])
    }

    /// `-a`
    pub fn neg(&mut self, a: NodeId) -> NodeId {
        self.prim(Prim::Neg, &[a])
    }

    /// `c * a` for a constant `c`.
    pub fn scale(&mut self, c: f64, a: NodeId) -> NodeId {
        let c = self.constant(c);
        self.mul(c, a)
    }

    /// A comparison.
    pub fn cmp(&mut self, op: Cmp, a: NodeId, b: NodeId) -> NodeId {
        self.push(Op::Cmp(op, a, b))
    }

    /// `if c { a } else { b }` on computed values.
    pub fn select(&mut self, c: NodeId, a: NodeId, b: NodeId) -> NodeId {
        self.push(Op::Select(c, a, b))
    }

    /// `if c { a } else { 0 }`
    pub fn mask(&mut self, c: NodeId, a: NodeId) -> NodeId {
        let zero = self.constant(0.0);
        self.select(c, a, zero)
    }
}
