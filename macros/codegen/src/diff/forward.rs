//! Forward (tangent) mode: the derivative with respect to one input element,
//! carried along the forward pass.
//!
//! After each active value `y = f(a, b, …)` comes its tangent
//! `ẏ = ȧ·∂f/∂a + ḃ·∂f/∂b + …`. The rules table gives adjoint rules, and
//! every rule is linear in the adjoint it is given, so the rule of `f`
//! applied to the tangent `ȧ` yields the term `ȧ·∂f/∂a` for `a`; the terms it
//! builds for the other arguments are dead and simplification drops them.
//! The seed is the constant `ẋ = 1`, which folds through the constant
//! factors. A run-time `if` computes the tangents of its results in its
//! branches and returns them as further results; a call to another
//! differentiable function combines its partials with the arguments'
//! tangents.
//!
//! A tangent is a sum of terms, and sums are written the way a person
//! writes them: flat, left to right. An unnamed value whose only use is a
//! `+`, `−` or negation in the same block hands its terms on unsummed, so
//! `q = relu(z) + z·x` gets `d_q = relu′·ż + ż·x + z` rather than
//! `relu′·ż + (ż·x + z)`. Named values (`let q = …`), the function's value,
//! and every argument of a non-linear operation have their tangent summed
//! where they are defined.

use std::collections::{HashMap, HashSet};

pub use super::Derivatives;
use super::{activity, element_name, is_active, name_derivatives, set_active};
use crate::ir::{Block, Builder, Call, Carried, Graph, NodeId, Op};
use crate::rules::{self, Prim};

/// A tangent not summed yet: its terms, each `true` when it is subtracted.
type Terms = Vec<(NodeId, bool)>;

/// Differentiates the graph's value with respect to element `index` of
/// parameter `param` (`None` for a scalar) in forward mode; fills
/// [`Graph::grads`] with that one derivative, in the entry of `param`
/// (the other differentiable parameters' entries are empty).
pub fn forward(g: &mut Graph, param: usize, index: Option<usize>) {
    let limit = g.nodes.len();
    let tangents = tangents(g, &HashMap::from([((param, index), None)]), limit, None);
    let t = match tangents.get(&g.value) {
        Some(&t) => t,
        None => {
            let span = g.node(g.value).span;
            let mut body = std::mem::take(&mut g.body);
            let zero = body.push_const(g, 0.0, span);
            g.body = body;
            zero
        }
    };
    // the derivative of the value is what the caller asked for: `d_x`
    let input = element_name(g, param, index);
    let node = &mut g.nodes[t.index()];
    if node.name.is_none() && !matches!(node.op, Op::Const(_)) {
        node.name = Some(input);
        node.adjoint = true;
    }
    g.grads = g
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| p.diff)
        .map(|(k, _)| if k == param { vec![t] } else { Vec::new() })
        .collect();
    g.wrt = Some((param, index));
}

/// The seed of each parameter element a forward sweep differentiates
/// along: `None` for the constant `1`, or a node holding its tangent (read
/// from a tangent parameter; it must be defined before the body's first
/// use of the element). Elements not listed have tangent 0. A slice
/// parameter of run-time length is seeded whole, as `(param, None)`: its
/// tangent is the direction slice that [`Graph::directions`] pairs with it,
/// read at the same indices.
pub type Seeds = HashMap<(usize, Option<usize>), Option<NodeId>>;

/// One forward sweep over `g`, for the nodes below `limit` (nodes added
/// later, such as the tangents of an earlier sweep, count as constants):
/// inserts the tangent of every active value after it and returns each
/// value's tangent. Several sweeps over one graph give several columns at
/// once, sharing the primal computation; a sweep over a graph that already
/// holds its reverse sweep differentiates that sweep too (forward over
/// reverse: Hessian-vector products). `along` records the direction in the
/// tangents ([`crate::ir::Node::along`]) when there are several.
pub fn tangents(
    g: &mut Graph,
    seeds: &Seeds,
    limit: usize,
    along: Option<(usize, Option<usize>)>,
) -> Derivatives {
    let mut active = activity(g, |k, i| seeds.contains_key(&(k, i)));
    for a in active.iter_mut().skip(limit) {
        *a = false;
    }
    let first_new = g.nodes.len();
    let body = std::mem::take(&mut g.body);
    let mut sweep = Sweep {
        tangents: Derivatives::new(),
        pending: HashMap::new(),
        consumers: consumers(g, &body),
        active,
        seeds: seeds.clone(),
        recalled: HashMap::new(),
        first_new,
        hvps: HashMap::new(),
        vjp_tangents: HashMap::new(),
        keep: g.outputs().into_iter().collect(),
    };
    g.body = sweep.block(g, &body);
    if along.is_some() {
        for node in &mut g.nodes[first_new..] {
            if node.adjoint {
                node.along = along;
            }
        }
    }
    sweep.tangents
}

/// For each node, the nodes that read it (an `if` reads the values its
/// branches hand out).
fn consumers(g: &Graph, body: &Block) -> HashMap<NodeId, Vec<NodeId>> {
    fn walk(g: &Graph, block: &Block, out: &mut HashMap<NodeId, Vec<NodeId>>) {
        for &m in &block.nodes {
            let op = g.op(m);
            for a in op.args() {
                out.entry(a).or_default().push(m);
            }
            if let Op::If(i) = op {
                walk(g, &i.then, out);
                walk(g, &i.els, out);
                for &(t, e, _) in &i.outs {
                    out.entry(t).or_default().push(m);
                    out.entry(e).or_default().push(m);
                }
            }
            if let Op::Loop(l) = op {
                if let Some(t) = &l.test {
                    walk(g, &t.head, out);
                }
                walk(g, &l.body, out);
                for r in crate::ir::walk::region_reads(op) {
                    out.entry(r).or_default().push(m);
                }
            }
        }
    }
    let mut out = HashMap::new();
    walk(g, body, &mut out);
    out
}

/// The state of one forward sweep.
struct Sweep {
    /// Summed tangents.
    tangents: Derivatives,
    /// Tangents handed on unsummed to their one linear use.
    pending: HashMap<NodeId, Terms>,
    consumers: HashMap<NodeId, Vec<NodeId>>,
    active: Vec<bool>,
    seeds: Seeds,
    /// For a recording loop's slot (loop, slot), the slot recording its
    /// tangent: a recall's tangent is recalled from there.
    recalled: HashMap<(NodeId, usize), usize>,
    /// The first node this sweep added.
    first_new: usize,
    /// For each nested call swept, its HVP node (see
    /// [`super::nested::forward_nested`]).
    hvps: HashMap<NodeId, NodeId>,
    /// For each helper's VJP call swept, by its value: the value of its
    /// tangent `vjp_jvp` call, if one was made (see
    /// [`super::vcall::forward_vjp`]).
    vjp_tangents: HashMap<NodeId, Option<NodeId>>,
    /// The graph's outputs: their tangents are always summed.
    keep: HashSet<NodeId>,
}

impl Sweep {
    /// `block` with the tangent of each active value inserted after it.
    fn block(&mut self, g: &mut Graph, block: &Block) -> Block {
        let members: HashSet<NodeId> = block.nodes.iter().copied().collect();
        let mut out = Block::default();
        for &n in &block.nodes {
            if matches!(g.op(n), Op::Loop(_)) {
                let pre = self.loop_tangents(g, n);
                out.nodes.extend(pre.nodes);
                out.nodes.push(n);
                continue;
            }
            out.nodes.push(n);
            let span = g.node(n).span;
            let mut b = Builder::new(g, span);
            match b.graph.op(n).clone() {
                Op::If(_) => self.branches(b.graph, n),
                Op::Buf(bop) => {
                    super::buffer::forward_buf(&mut b, n, &bop, &self.active, &mut self.tangents)
                }
                // a slice passed on: the callee's hidden `jvp` along the
                // slice's direction; a reverse sweep's `vjp_into` of it (in
                // a forward sweep over a reverse one): the callee's hidden
                // `hvp_into`, adding into the slice's H·v buffer
                Op::Call(c) if c.has_slice() => match c.sweep {
                    crate::ir::CallSweep::Value => {
                        let ts = super::vcall::forward_slices(&mut b, &c, |x| self.summed(x));
                        self.tangents.extend(ts);
                    }
                    crate::ir::CallSweep::Vjp(_) => {
                        let (ts, _) = super::vcall::forward_vjp(&mut b, &c, |x| self.summed(x));
                        self.tangents.extend(ts);
                    }
                    _ => {}
                },
                // a reverse sweep's VJP call: its entries' tangents
                Op::Call(c) if matches!(c.sweep, crate::ir::CallSweep::Vjp(_)) => {
                    let (ts, t) = super::vcall::forward_vjp(&mut b, &c, |x| self.summed(x));
                    self.tangents.extend(ts);
                    self.vjp_tangents.insert(c.value, t);
                }
                Op::Call(c) if c.is_vector() => {
                    let outs = super::vcall::forward(&mut b, &c, |x| self.summed(x));
                    for (o, t) in c.outs.iter().zip(outs.into_iter().flatten()) {
                        self.tangents.insert(*o, t);
                    }
                }
                // the reverse sweep's `d_xs[i] += a`: its tangent goes to `hv_xs[i]`
                Op::Store {
                    param,
                    row,
                    col,
                    value,
                } if self.seeds.contains_key(&(param, None)) => {
                    if let (Some(dir), Some(t)) = (direction(b.graph, param), self.summed(value)) {
                        b.push(Op::Store {
                            param: dir,
                            row,
                            col,
                            value: t,
                        });
                    }
                }
                Op::Recall { of, slot } if is_active(&self.active, n) => {
                    if let Some(&s) = self.recalled.get(&(of, slot)) {
                        let t = b.push(Op::Recall { of, slot: s });
                        self.tangents.insert(n, t);
                    }
                }
                Op::Call(c) if is_active(&self.active, c.value) => {
                    if let Some(t) = self.call(&mut b, &c) {
                        self.tangents.insert(c.value, t);
                    }
                }
                Op::Nested(c) if c.outs.iter().any(|&o| is_active(&self.active, o)) => {
                    let (ts, hvp) =
                        super::nested::forward_nested(&mut b, n, &c, |x| self.summed(x));
                    self.tangents.extend(ts);
                    if let Some(h) = hvp {
                        self.hvps.insert(n, h);
                    }
                }
                // the reverse sweep's `d_s += coeff · entry` for a struct
                // parameter passed whole: its tangent goes to `hv_s`
                Op::AddStruct(a)
                    if !a.tangent
                        && b.graph
                            .struct_directions
                            .iter()
                            .any(|(p, _)| *p == a.accum.param) =>
                {
                    match a.entry_of {
                        Some(e) => {
                            let hvp = self.hvps.get(&e).copied();
                            let t = self.summed(a.coeff);
                            super::nested::forward_add_struct(&mut b, &a, t, hvp);
                        }
                        // the entry of a helper's VJP call, whose tangent
                        // is its `vjp_jvp`'s
                        None if self.vjp_tangents.contains_key(&a.call_value) => {
                            let t = self.summed(a.coeff);
                            let call = self.vjp_tangents[&a.call_value];
                            super::vcall::forward_add_struct(&mut b, &a, t, call);
                        }
                        None => b.graph.unsupported.push((
                            span,
                            "the forward sweep over the reverse one through this call passing a struct on whole is not supported yet"
                                .to_string(),
                        )),
                    }
                }
                op if is_active(&self.active, n) => {
                    if let Some(terms) = self.terms(&mut b, n, &op) {
                        if self.hands_on(b.graph, n, &members) {
                            self.pending.insert(n, terms);
                        } else {
                            let t = sum(&mut b, &terms);
                            self.tangents.insert(n, t);
                        }
                    }
                }
                _ => {}
            }
            let new = std::mem::take(&mut b.block);
            out.nodes.extend(new.nodes);
        }
        // only nodes this sweep built are named as tangents: a tangent that
        // folded to an existing value (`∂(u·a)/∂a = u`) keeps that value's name
        let named: Derivatives = block
            .nodes
            .iter()
            .filter_map(|n| self.tangents.get(n).map(|&t| (*n, t)))
            .filter(|(_, t)| t.index() >= self.first_new)
            .collect();
        name_derivatives(g, &block.nodes, &named);
        out
    }

    /// Whether `n` hands its terms on unsummed: unnamed, and read once, by
    /// a `+`, `−` or negation of the same block.
    fn hands_on(&self, g: &Graph, n: NodeId, members: &HashSet<NodeId>) -> bool {
        if g.node(n).name.is_some() || n == g.value || self.keep.contains(&n) {
            return false;
        }
        match self.consumers.get(&n).map(Vec::as_slice) {
            Some(&[m]) => {
                members.contains(&m)
                    && matches!(g.op(m), Op::Prim(Prim::Add | Prim::Sub | Prim::Neg, _))
            }
            _ => false,
        }
    }

    /// The summed tangent of an argument (`None` when it is inactive).
    fn summed(&self, x: NodeId) -> Option<NodeId> {
        self.tangents.get(&x).copied()
    }

    /// The terms of an argument's tangent, taking over unsummed ones.
    fn take_terms(&mut self, x: NodeId) -> Terms {
        match self.pending.remove(&x) {
            Some(terms) => terms,
            None => self.summed(x).map(|t| vec![(t, false)]).unwrap_or_default(),
        }
    }

    /// The terms of the tangent of the active single-output node `n`.
    fn terms(&mut self, b: &mut Builder<'_>, n: NodeId, op: &Op) -> Option<Terms> {
        let terms = match op {
            Op::Param { param, index } => match self.seeds.get(&(*param, *index)) {
                Some(Some(seed)) => vec![(*seed, false)],
                _ => vec![(b.constant(1.0), false)],
            },
            // `xs[i]` of a slice seeded whole: `tangent[i]`
            Op::Load { param, row, col } => match direction(b.graph, *param) {
                Some(dir) => vec![(
                    b.push(Op::Load {
                        param: dir,
                        row: *row,
                        col: *col,
                    }),
                    false,
                )],
                None => return None,
            },
            Op::Prim(Prim::Add, args) => {
                let mut t = self.take_terms(args[0]);
                t.extend(self.take_terms(args[1]));
                t
            }
            Op::Prim(Prim::Sub, args) => {
                let mut t = self.take_terms(args[0]);
                let minus = self.take_terms(args[1]);
                t.extend(minus.into_iter().map(|(x, neg)| (x, !neg)));
                t
            }
            Op::Prim(Prim::Neg, args) => {
                let t = self.take_terms(args[0]);
                t.into_iter().map(|(x, neg)| (x, !neg)).collect()
            }
            Op::Prim(p, args) => {
                let mut terms = Terms::new();
                for (k, x) in args.iter().enumerate() {
                    if let Some(t) = self.summed(*x) {
                        if let Some(term) = p.adjoint(b, args, n, t)[k] {
                            terms.push((term, false));
                        }
                    }
                }
                terms
            }
            Op::Powi(a, k) => self
                .summed(*a)
                .and_then(|t| rules::powi_adjoint(b, *a, *k, t))
                .map(|t| vec![(t, false)])
                .unwrap_or_default(),
            Op::Pick(i, elems) => {
                let ts: Vec<Option<NodeId>> = elems.iter().map(|e| self.summed(*e)).collect();
                if ts.iter().all(Option::is_none) {
                    return None;
                }
                let zero = b.constant(0.0);
                let ts = ts.into_iter().map(|t| t.unwrap_or(zero)).collect();
                vec![(b.push(Op::Pick(*i, ts)), false)]
            }
            Op::Select(c, x, y) => {
                let (tx, ty) = (self.summed(*x), self.summed(*y));
                if tx.is_none() && ty.is_none() {
                    return None;
                }
                let zero = b.constant(0.0);
                let t = b.select(*c, tx.unwrap_or(zero), ty.unwrap_or(zero));
                vec![(t, false)]
            }
            _ => return None,
        };
        (!terms.is_empty()).then_some(terms)
    }

    /// The tangent of a call's value: its partials times its arguments'
    /// tangents.
    fn call(&self, b: &mut Builder<'_>, c: &Call) -> Option<NodeId> {
        let mut terms = Terms::new();
        for (x, p) in c.element_partials() {
            if let Some(t) = self.summed(x) {
                terms.push((b.mul(t, p), false));
            }
        }
        // a part of a struct parameter passed whole: the callee's entry
        // for it dotted with its tangent (a derived function's direction)
        for (k, a) in c.args.iter().enumerate() {
            let crate::ir::CallArg::Struct(s) = a else {
                continue;
            };
            for accum in &s.accums {
                let dir = b
                    .graph
                    .struct_directions
                    .iter()
                    .find(|(p, _)| *p == accum.param);
                if let Some(&(_, tangent)) = dir {
                    let d = b.push(Op::StructDot(Box::new(crate::ir::StructDot {
                        call_value: c.value,
                        arg: k,
                        accum: accum.clone(),
                        tangent,
                        entry_of: None,
                        from_result: None,
                    })));
                    terms.push((d, false));
                }
            }
            // a call's struct result passed on whole: the entry dotted
            // with the producer's result tangent (see `ir::ResultPart`)
            for r in &s.results {
                if let Some(t) = self.summed(r.out) {
                    let d = b.push(Op::StructDot(Box::new(crate::ir::StructDot {
                        call_value: c.value,
                        arg: k,
                        accum: crate::ir::StructAccum {
                            param: 0,
                            target: r.target.clone(),
                            source: r.source.clone(),
                            zero: r.zero.clone(),
                        },
                        tangent: 0,
                        entry_of: None,
                        from_result: Some(t),
                    })));
                    terms.push((d, false));
                }
            }
        }
        (!terms.is_empty()).then(|| sum(b, &terms))
    }

    /// Carries the tangent of each active carried value of loop `n` as a
    /// further carried value, computed in its body; returns the nodes (the
    /// tangents' initial values) that go before the loop.
    fn loop_tangents(&mut self, g: &mut Graph, n: NodeId) -> Block {
        let Op::Loop(mut l) = g.op(n).clone() else {
            unreachable!("loop_tangents is called on loop nodes")
        };
        let span = g.node(n).span;
        let mut pre = Block::default();
        let mut added = Vec::new();
        let recorded = l.record.clone();
        for c in &l.carried {
            if !is_active(&self.active, c.param) {
                continue;
            }
            let tp = g.add(Op::Result(n), span);
            g.nodes[tp.index()].name = g.node(c.param).name.clone();
            g.nodes[tp.index()].adjoint = true;
            set_active(&mut self.active, tp, true);
            self.tangents.insert(c.param, tp);
            // a recorded value's tangent is recorded beside it
            if let Some(slot) = l.record.iter().position(|&r| r == c.param) {
                l.record.push(tp);
                self.recalled.insert((n, slot), l.record.len() - 1);
            }
            added.push((*c, tp));
        }
        if let Some(t) = &mut l.test {
            t.head = self.block(g, &t.head);
        }
        l.body = self.block(g, &l.body);
        // the tangent of a buffer whose log the loop records is rolled
        // back with it by the loop replaying this one
        let tangent_bufs: Vec<NodeId> = l.undo.iter().filter_map(|&u| self.summed(u)).collect();
        l.undo.extend(tangent_bufs);
        // a recorded result of the body: its tangent, computed in the body,
        // is recorded beside it
        for (slot, r) in recorded.iter().enumerate() {
            if l.carried.iter().any(|c| c.param == *r) {
                continue;
            }
            if let Some(t) = self.summed(*r) {
                l.record.push(t);
                self.recalled.insert((n, slot), l.record.len() - 1);
            }
        }
        for (c, tp) in added {
            let init = match self.summed(c.init) {
                Some(t) => t,
                None => pre.push_const(g, 0.0, span),
            };
            let next = match self.summed(c.next) {
                Some(t) => t,
                None => l.body.push_const(g, 0.0, span),
            };
            let out = g.add(Op::Result(n), span);
            g.nodes[out.index()].name = g.node(c.out).name.clone();
            g.nodes[out.index()].adjoint = true;
            set_active(&mut self.active, out, true);
            self.tangents.insert(c.out, out);
            l.carried.push(Carried {
                init,
                param: tp,
                next,
                out,
                int: false,
            });
        }
        g.nodes[n.index()].op = Op::Loop(l);
        pre
    }

    /// Adds the tangents of an `if`'s active results as further results,
    /// computed in its branches.
    fn branches(&mut self, g: &mut Graph, n: NodeId) {
        let Op::If(mut i) = g.op(n).clone() else {
            unreachable!("branches is called on If nodes")
        };
        i.then = self.block(g, &i.then);
        i.els = self.block(g, &i.els);
        let span = g.node(n).span;
        let mut added = Vec::new();
        for &(t, e, r) in &i.outs {
            if !is_active(&self.active, r) {
                continue;
            }
            let in_branch = |g: &mut Graph, block: &mut Block, v: NodeId| {
                self.summed(v)
                    .unwrap_or_else(|| block.push_const(g, 0.0, span))
            };
            let dt = in_branch(g, &mut i.then, t);
            let de = in_branch(g, &mut i.els, e);
            let dr = g.add(Op::Result(n), span);
            if let Some(name) = g.node(r).name.clone() {
                g.nodes[dr.index()].name = Some(name);
                g.nodes[dr.index()].adjoint = true;
            }
            set_active(&mut self.active, dr, true);
            self.tangents.insert(r, dr);
            added.push((dt, de, dr));
        }
        i.outs.extend(added);
        g.nodes[n.index()].op = Op::If(i);
    }
}

/// The direction slice parameter paired with slice parameter `param`.
fn direction(g: &Graph, param: usize) -> Option<usize> {
    g.directions
        .iter()
        .find(|(_, &x)| x == param)
        .map(|(&dir, _)| dir)
}

/// `t₁ ± t₂ ± …`, summed left to right (a leading subtracted term negated).
fn sum(b: &mut Builder<'_>, terms: &[(NodeId, bool)]) -> NodeId {
    let (&(first, neg), rest) = terms.split_first().expect("a tangent has a term");
    let mut acc = if neg { b.neg(first) } else { first };
    for &(t, neg) in rest {
        acc = if neg { b.sub(acc, t) } else { b.add(acc, t) };
    }
    acc
}
