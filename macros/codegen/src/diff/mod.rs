//! Differentiation: extends a lowered graph with its gradient.
//!
//! Two modes share the rules table. [`reverse`] (the adjoint sweep) is the
//! general one: one backward sweep gives every input's derivative.
//! [`forward`] carries the derivative with respect to one input along the
//! forward pass; [`differentiate`] chooses it when a function has exactly one
//! differentiable scalar, because then it stores nothing for a second sweep
//! and its seed `∂x/∂x = 1` folds away (the derivative of `3·x + 2` is the
//! constant 3): the code a person writes by hand for such a function.

mod buffer;
mod checkpoint;
mod forward;
pub mod higher;
mod nested;
mod reverse;
mod reverse_loop;
mod undone;
mod vcall;

use std::collections::HashMap;

use crate::ir::{Block, Graph, NodeId, Op};

pub use forward::{forward, tangents, Seeds};
pub use reverse::reverse;

/// The derivative node built so far for each value: its adjoint in reverse
/// mode, its tangent in forward mode.
pub type Derivatives = HashMap<NodeId, NodeId>;

/// Differentiates the graph's value with respect to every parameter not
/// marked `#[nograd]`; fills [`Graph::grads`]. The sweep is the one
/// [`choose_mode`] picks.
pub fn differentiate(g: &mut Graph) {
    differentiate_in(g, None);
}

/// The cost model for `name_grad`. With `k` differentiable scalars, forward
/// mode runs `k` tangent sweeps alongside the primal (each about as costly
/// as the primal's arithmetic, less where the seed folds into constants)
/// and stores nothing; reverse mode runs one adjoint sweep (about twice the
/// primal's arithmetic) after the primal, keeping the intermediate values
/// it reads live until then, and walks the body's dependency chain a
/// second time, backwards, only once the primal has finished. Forward mode
/// is chosen for `k = 1`, where it is never worse, and for `k = 2` when
/// the body is straight-line code whose longest chain of dependent float
/// operations is at least [`DEEP_CHAIN`] long: the two tangents then ride along the chain and
/// fill its latency, where the adjoint sweep waits for it and walks it
/// back (measured in `benches/higher.rs`: forward wins on the two-input
/// 30-step composition, chain 120, and loses on 2-variable Rosenbrock,
/// chain 5). Reverse mode otherwise. `mode = forward | reverse` overrides
/// the choice; a parameter of run-time length always takes reverse mode
/// (its gradient is a buffer, which only the reverse sweep fills), and so
/// does a function passing a struct whole to a call (the callee's gradient
/// is added in the reverse sweep).
pub fn choose_mode(g: &Graph, wanted: Option<crate::types::Mode>) -> crate::types::Mode {
    use crate::types::Mode;
    // a struct passed whole to a call adds into its gradient in the reverse sweep
    if has_runtime_size(g) || g.struct_calls {
        return Mode::Reverse;
    }
    wanted.unwrap_or(match diff_elements(g).count() {
        1 => Mode::Forward,
        2 if deep_chain(g) => Mode::Forward,
        _ => Mode::Reverse,
    })
}

/// Whether `g` is straight-line code (no run-time loop) whose longest
/// chain is at least [`DEEP_CHAIN`] long.
fn deep_chain(g: &Graph) -> bool {
    !g.nodes.iter().any(|n| matches!(n.op, Op::Loop(_))) && chain_depth(g) >= DEEP_CHAIN
}

/// The dependency-chain length from which two tangents beat one adjoint
/// sweep (see [`choose_mode`]).
pub const DEEP_CHAIN: usize = 32;

/// The longest chain of dependent float operations in `g`: one pass in
/// node order (a node is numbered after its arguments).
fn chain_depth(g: &Graph) -> usize {
    let mut depth = vec![0usize; g.nodes.len()];
    let mut deepest = 0;
    for (i, node) in g.nodes.iter().enumerate() {
        let own = usize::from(matches!(node.op, Op::Prim(..) | Op::Powi(..)));
        let d = own
            + node
                .op
                .args()
                .into_iter()
                .filter_map(|a| depth.get(a.index()).copied())
                .max()
                .unwrap_or(0);
        depth[i] = d;
        deepest = deepest.max(d);
    }
    deepest
}

/// Why [`choose_mode`] picks its mode for `g`, one sentence for the
/// rustdoc of `name_grad`.
pub fn mode_reason(g: &Graph, wanted: Option<crate::types::Mode>) -> String {
    use crate::types::Mode;
    let k = diff_elements(g).count();
    if has_runtime_size(g) {
        return "Reverse mode: a parameter of run-time length has a gradient buffer, which only the reverse sweep fills.".to_string();
    }
    if g.struct_calls {
        return "Reverse mode: a struct passed whole to a call has its gradient added in the reverse sweep.".to_string();
    }
    match (wanted, k) {
        (Some(Mode::Forward), _) => format!("Forward mode, as `mode = forward` asks: {k} tangent sweep(s) beside the primal, nothing stored."),
        (Some(Mode::Reverse), _) => "Reverse mode, as `mode = reverse` asks: one adjoint sweep after the primal.".to_string(),
        (None, 1) => "Forward mode, by the cost model (`diff::choose_mode`): one differentiable scalar takes one tangent sweep beside the primal and stores nothing, never more than a reverse sweep.".to_string(),
        (None, 2) if deep_chain(g) => format!(
            "Forward mode, by the cost model (`diff::choose_mode`): two differentiable scalars along a chain of {} dependent operations (at least {DEEP_CHAIN}): two tangents ride along the chain, where an adjoint sweep would wait for it and walk it back; `mode = reverse` overrides.",
            chain_depth(g)
        ),
        (None, _) => format!("Reverse mode, by the cost model (`diff::choose_mode`): {k} differentiable scalars would take {k} forward tangent sweeps, one adjoint sweep (about twice the primal's arithmetic) gives them all; `mode = forward` overrides."),
    }
}

/// [`differentiate`] with the mode `wanted` (when given and possible).
pub fn differentiate_in(g: &mut Graph, wanted: Option<crate::types::Mode>) {
    let elements: Vec<(usize, Option<usize>)> = diff_elements(g).collect();
    match (choose_mode(g, wanted), elements.as_slice()) {
        (crate::types::Mode::Forward, &[(param, index)]) => forward(g, param, index),
        (crate::types::Mode::Forward, [_, _, ..]) => forward_columns(g, &elements),
        _ => reverse(g),
    }
}

/// Forward mode with one tangent per differentiable scalar, every sweep
/// over the primal graph (not over each other's tangents); tangents are
/// named `d_q_dx` for `∂q/∂x`.
fn forward_columns(g: &mut Graph, elements: &[(usize, Option<usize>)]) {
    let limit = g.nodes.len();
    let mut grads: Vec<Vec<NodeId>> = g
        .params
        .iter()
        .filter(|p| p.diff)
        .map(|_| Vec::new())
        .collect();
    for &(param, index) in elements {
        let seeds = Seeds::from([((param, index), None)]);
        let ts = tangents(g, &seeds, limit, Some((param, index)));
        let t = match ts.get(&g.value) {
            Some(&t) => t,
            None => {
                let span = g.node(g.value).span;
                let mut body = std::mem::take(&mut g.body);
                let z = body.push_const(g, 0.0, span);
                g.body = body;
                z
            }
        };
        let slot = g.params[..param].iter().filter(|p| p.diff).count();
        grads[slot].push(t);
    }
    g.grads = grads;
}

/// Whether the graph has a differentiable slice parameter: its gradient is
/// a buffer, which the reverse sweep fills (forward mode goes through loops,
/// run-time indices and reads of `#[nograd]` slices).
fn has_runtime_size(g: &Graph) -> bool {
    g.params.iter().any(|p| p.slice.is_some() && p.diff)
}

/// Every differentiable parameter element, as `(parameter, index)` with
/// `index` `None` for a scalar.
fn diff_elements(g: &Graph) -> impl Iterator<Item = (usize, Option<usize>)> + '_ {
    g.params
        .iter()
        .enumerate()
        .filter(|(_, p)| p.diff && p.slice.is_none())
        .flat_map(|(k, p)| (0..p.len.unwrap_or(1)).map(move |i| (k, p.len.map(|_| i))))
}

fn is_active(active: &[bool], n: NodeId) -> bool {
    active.get(n.index()).copied().unwrap_or(false)
}

fn set_active(active: &mut Vec<bool>, n: NodeId, v: bool) {
    if active.len() <= n.index() {
        active.resize(n.index() + 1, false);
    }
    active[n.index()] = v;
}

/// Which values depend on a parameter element that `seed(param, index)`
/// selects.
fn activity(g: &Graph, seed: impl Fn(usize, Option<usize>) -> bool + Copy) -> Vec<bool> {
    let mut active = vec![false; g.nodes.len()];
    // a buffer written with an active value in one place makes its reads
    // active everywhere, earlier ones included: repeat until none grows
    loop {
        let before = buffer::active_count(g, &active);
        mark_block(g, &g.body, &mut active, seed);
        if buffer::active_count(g, &active) == before {
            break;
        }
    }
    active
}

fn mark_block(
    g: &Graph,
    block: &Block,
    active: &mut Vec<bool>,
    seed: impl Fn(usize, Option<usize>) -> bool + Copy,
) {
    for &n in &block.nodes {
        let op = g.op(n);
        let a = match op {
            Op::Param { param, index } => seed(*param, *index),
            Op::If(i) => {
                mark_block(g, &i.then, active, seed);
                mark_block(g, &i.els, active, seed);
                for (t, e, r) in &i.outs {
                    let v = is_active(active, *t) || is_active(active, *e);
                    set_active(active, *r, v);
                }
                false
            }
            Op::Call(c) => {
                let v = op.args().iter().any(|x| is_active(active, *x))
                    || c.args.iter().any(|a| match a {
                        crate::ir::CallArg::Struct(s) => {
                            !s.accums.is_empty()
                                || s.results.iter().any(|r| is_active(active, r.out))
                        }
                        // a slice is seeded whole, as `(param, None)`
                        crate::ir::CallArg::Slice(k) => seed(*k, None),
                        _ => false,
                    });
                set_active(active, c.value, v);
                for &o in &c.outs {
                    set_active(active, o, v);
                }
                // a reverse sweep's VJP call: its gradient entries depend
                // on its arguments and cotangents
                if matches!(c.sweep, crate::ir::CallSweep::Vjp(_)) {
                    for &p in c.partials.iter().flatten().flatten() {
                        set_active(active, p, v);
                    }
                }
                false
            }
            Op::Nested(c) => {
                // (a part of a struct parameter passed whole is active, as
                // for a call)
                let v = op.args().iter().any(|x| is_active(active, *x))
                    || c.args.iter().any(
                        |a| matches!(a, crate::ir::CallArg::Struct(s) if !s.accums.is_empty()),
                    );
                for &o in &c.outs {
                    set_active(active, o, v);
                }
                false
            }
            Op::Loop(l) => {
                // a carried value is active if its initial value is, or if
                // an iteration makes it so: repeat until nothing changes
                loop {
                    for c in &l.carried {
                        let v = is_active(active, c.init) || is_active(active, c.next);
                        set_active(active, c.param, v);
                    }
                    if let Some(t) = &l.test {
                        mark_block(g, &t.head, active, seed);
                    }
                    mark_block(g, &l.body, active, seed);
                    let grew = l
                        .carried
                        .iter()
                        .any(|c| is_active(active, c.next) && !is_active(active, c.param));
                    if !grew {
                        break;
                    }
                }
                for c in &l.carried {
                    let v = is_active(active, c.param);
                    set_active(active, c.out, v);
                }
                false
            }
            // a slice is seeded whole, as `(param, None)`
            Op::Load { param, .. } => g.params[*param].diff && seed(*param, None),
            Op::Buf(b) => buffer::mark(g, n, b, active),
            Op::Cmp(..)
            | Op::And(..)
            | Op::Or(..)
            | Op::Not(_)
            | Op::ICmp(..)
            | Op::IArith(..)
            | Op::ToFloat(_)
            | Op::Store { .. }
            | Op::RecallInt { .. } => false,
            // a recalled value is active when the value recorded is (a
            // forward sweep over a reverse sweep: forward over reverse)
            Op::Recall { of, slot } => match g.op(*of) {
                Op::Loop(l) => l.record.get(*slot).is_some_and(|&r| is_active(active, r)),
                _ => false,
            },
            _ => op.args().iter().any(|x| is_active(active, *x)),
        };
        set_active(active, n, a);
    }
}

/// `x`, or `x_1` for element 1 of array `x`: the base of `d_x` / `d_x_1`.
fn element_name(g: &Graph, param: usize, index: Option<usize>) -> String {
    match (index, &g.params[param].fields) {
        (Some(i), Some(f)) => format!("{}_{}", g.params[param].name, f[i].ident_suffix()),
        (None, _) => g.params[param].name.clone(),
        (Some(i), None) => format!("{}_{i}", g.params[param].name),
    }
}

/// Names each derivative after the value it is the derivative of (emitted
/// as `d_<name>`), latest values first: so `d_pred` wins over `d_b` when
/// `pred = w·x + b` makes their adjoints one node.
fn name_derivatives(g: &mut Graph, nodes: &[NodeId], ds: &Derivatives) {
    for &n in nodes.iter().rev() {
        let Some(&a) = ds.get(&n) else { continue };
        let name = match g.op(n) {
            Op::Param { param, index } => Some(element_name(g, *param, *index)),
            _ => g.node(n).name.clone(),
        };
        let target = &mut g.nodes[a.index()];
        if let (Some(name), None) = (name, &target.name) {
            if !matches!(target.op, Op::Const(_)) {
                target.name = Some(name);
                target.adjoint = true;
            }
        }
    }
}
