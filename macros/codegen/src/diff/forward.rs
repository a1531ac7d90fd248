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

use super::{activity, is_active, name_derivatives, set_active, Derivatives};
use crate::ir::{Block, Builder, Call, Graph, NodeId, Op};
use crate::rules;

/// Differentiates the graph's value with respect to element `index` of
/// parameter `param` (`None` for a scalar) in forward mode; fills
/// [`Graph::grads`] with that one derivative (one entry holding one node,
/// whatever the parameter's shape).
pub fn forward(g: &mut Graph, param: usize, index: Option<usize>) {
    let mut active = activity(g, |k, i| k == param && i == index);
    let body = std::mem::take(&mut g.body);
    let mut tangents = Derivatives::new();
    let mut body = forward_block(g, &body, &mut tangents, &mut active);
    let t = match tangents.get(&g.value) {
        Some(&t) => t,
        None => {
            let span = g.node(g.value).span;
            let zero = g.add(Op::Const(0.0), span);
            body.nodes.push(zero);
            zero
        }
    };
    // the derivative of the value is what the caller asked for: `d_x`
    let input = match index {
        None => g.params[param].name.clone(),
        Some(i) => format!("{}_{i}", g.params[param].name),
    };
    let node = &mut g.nodes[t.index()];
    if node.name.is_none() && !matches!(node.op, Op::Const(_)) {
        node.name = Some(input);
        node.adjoint = true;
    }
    g.body = body;
    g.grads = vec![vec![t]];
    g.wrt = Some((param, index));
}

/// `block` with the tangent of each active value inserted after it.
fn forward_block(
    g: &mut Graph,
    block: &Block,
    tangents: &mut Derivatives,
    active: &mut Vec<bool>,
) -> Block {
    let mut out = Block::default();
    for &n in &block.nodes {
        out.nodes.push(n);
        let span = g.node(n).span;
        let mut b = Builder::new(g, span);
        match b.graph.op(n).clone() {
            Op::If(_) => forward_if(b.graph, n, tangents, active),
            Op::Call(c) if is_active(active, c.value) => {
                if let Some(t) = call_tangent(&mut b, &c, tangents) {
                    tangents.insert(c.value, t);
                }
            }
            op if is_active(active, n) => {
                if let Some(t) = tangent(&mut b, n, &op, tangents) {
                    tangents.insert(n, t);
                }
            }
            _ => {}
        }
        let new = std::mem::take(&mut b.block);
        out.nodes.extend(new.nodes);
    }
    let named: Derivatives = block
        .nodes
        .iter()
        .filter_map(|n| tangents.get(n).map(|&t| (*n, t)))
        .collect();
    name_derivatives(g, &block.nodes, &named);
    out
}

/// The tangent of a call's value: its partials times its arguments' tangents.
fn call_tangent(b: &mut Builder<'_>, c: &Call, tangents: &Derivatives) -> Option<NodeId> {
    let mut sum = None;
    for (arg, parts) in c.args.iter().zip(&c.partials) {
        for (x, p) in arg.elements().iter().zip(parts) {
            if let Some(&t) = tangents.get(x) {
                let p = p.expect("lowering creates every partial");
                let term = b.mul(t, p);
                sum = Some(add(b, sum, term));
            }
        }
    }
    sum
}

/// `prev + term`, or `term` alone.
fn add(b: &mut Builder<'_>, prev: Option<NodeId>, term: NodeId) -> NodeId {
    match prev {
        Some(p) => b.add(p, term),
        None => term,
    }
}

/// The tangent of the active single-output node `n`, if it has one.
fn tangent(b: &mut Builder<'_>, n: NodeId, op: &Op, tangents: &Derivatives) -> Option<NodeId> {
    match op {
        Op::Param { .. } => Some(b.constant(1.0)),
        Op::Prim(p, args) => {
            let mut sum = None;
            for (k, x) in args.iter().enumerate() {
                if let Some(&t) = tangents.get(x) {
                    if let Some(term) = p.adjoint(b, args, n, t)[k] {
                        sum = Some(add(b, sum, term));
                    }
                }
            }
            sum
        }
        Op::Powi(a, k) => tangents
            .get(a)
            .and_then(|&t| rules::powi_adjoint(b, *a, *k, t)),
        Op::Select(c, x, y) => {
            let (tx, ty) = (tangents.get(x).copied(), tangents.get(y).copied());
            if tx.is_none() && ty.is_none() {
                return None;
            }
            let zero = b.constant(0.0);
            Some(b.select(*c, tx.unwrap_or(zero), ty.unwrap_or(zero)))
        }
        _ => None,
    }
}

/// Adds the tangents of an `if`'s active results as further results,
/// computed in its branches.
fn forward_if(g: &mut Graph, n: NodeId, tangents: &mut Derivatives, active: &mut Vec<bool>) {
    let Op::If(mut i) = g.op(n).clone() else {
        unreachable!("forward_if is called on If nodes")
    };
    i.then = forward_block(g, &i.then, tangents, active);
    i.els = forward_block(g, &i.els, tangents, active);
    let span = g.node(n).span;
    let mut added = Vec::new();
    for &(t, e, r) in &i.outs {
        if !is_active(active, r) {
            continue;
        }
        let in_branch = |g: &mut Graph, block: &mut Block, v: NodeId| match tangents.get(&v) {
            Some(&d) => d,
            None => {
                let zero = g.add(Op::Const(0.0), span);
                block.nodes.push(zero);
                zero
            }
        };
        let dt = in_branch(g, &mut i.then, t);
        let de = in_branch(g, &mut i.els, e);
        let dr = g.add(Op::Result(n), span);
        if let Some(name) = g.node(r).name.clone() {
            g.nodes[dr.index()].name = Some(name);
            g.nodes[dr.index()].adjoint = true;
        }
        set_active(active, dr, true);
        tangents.insert(r, dr);
        added.push((dt, de, dr));
    }
    i.outs.extend(added);
    g.nodes[n.index()].op = Op::If(i);
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::ir::eval::eval_outputs;
    use crate::ir::{Graph, Op};

    fn lowered(item: proc_macro2::TokenStream) -> Graph {
        crate::pipeline(item).expect("lowers").lowered
    }

    /// (value, derivative) of the unsimplified forward-mode graph with
    /// respect to parameter `param` (element `index`).
    fn tangent(g: &Graph, param: usize, index: Option<usize>, args: &[Vec<f64>]) -> Vec<f64> {
        let mut g = g.clone();
        super::forward(&mut g, param, index);
        eval_outputs(&g, args).expect("evaluates")
    }

    #[test]
    fn the_seed_folds_into_constant_factors() {
        // f = 3x + 2: the derivative is the constant 3 once simplified
        let st =
            crate::pipeline(quote! { fn f(x: f64) -> f64 { 2.0 * x + 2.0 + x } }).expect("lowers");
        let g = &st.gradient;
        assert_eq!(g.wrt, Some((0, None)), "one scalar input: forward mode");
        assert_eq!(g.constant(g.grads[0][0]), Some(3.0));
    }

    #[test]
    fn products_and_quotients_follow_the_rules() {
        // f = x²·sin x / (1 + x), f' = (2x·sin x + x²·cos x)/(1 + x) − x²·sin x/(1 + x)²
        let g = lowered(quote! { fn f(x: f64) -> f64 { x * x * x.sin() / (1.0 + x) } });
        let x: f64 = 0.7;
        let expected = (2.0 * x * x.sin() + x * x * x.cos()) / (1.0 + x)
            - x * x * x.sin() / ((1.0 + x) * (1.0 + x));
        let out = tangent(&g, 0, None, &[vec![x]]);
        assert!(
            (out[1] - expected).abs() < 1e-15,
            "{} vs {expected}",
            out[1]
        );
    }

    #[test]
    fn each_element_and_parameter_in_turn() {
        // f = a[0]·a[1] + b³: ∂/∂a[0] = a[1], ∂/∂a[1] = a[0], ∂/∂b = 3b²
        let g = lowered(quote! {
            fn f(a: [f64; 2], b: f64) -> f64 { a[0] * a[1] + b.powi(3) }
        });
        let args = [vec![2.0, 5.0], vec![-1.5]];
        assert_eq!(tangent(&g, 0, Some(0), &args), vec![10.0 - 3.375, 5.0]);
        assert_eq!(tangent(&g, 0, Some(1), &args)[1], 2.0);
        assert_eq!(tangent(&g, 1, None, &args)[1], 3.0 * 2.25);
    }

    #[test]
    fn the_branch_taken_carries_the_tangent() {
        let g = lowered(quote! {
            fn f(x: f64) -> f64 { let y = x * x; if x > 1.0 { y * x } else { y.sqrt() - x } }
        });
        // x = 2: y·x = x³, 3x² = 12; x = 0.5: |x| − x, derivative 0
        assert_eq!(tangent(&g, 0, None, &[vec![2.0]]), vec![8.0, 12.0]);
        assert_eq!(tangent(&g, 0, None, &[vec![0.5]]), vec![0.0, 0.0]);
        // the untaken branch never runs: at x = −4 no NaN from it
        let g = lowered(quote! {
            fn f(x: f64) -> f64 { if x > 0.0 { x.sqrt() } else { -x } }
        });
        assert_eq!(tangent(&g, 0, None, &[vec![-4.0]]), vec![4.0, -1.0]);
        assert_eq!(tangent(&g, 0, None, &[vec![4.0]]), vec![2.0, 0.25]);
    }

    #[test]
    fn inactive_values_get_no_tangent() {
        // b is #[nograd]: nothing depends on x but the last product
        let mut g = lowered(quote! {
            fn f(x: f64, #[nograd] b: f64) -> f64 { let c = b.sin() * b; c * x }
        });
        super::forward(&mut g, 0, None);
        let tangents = g.nodes.iter().filter(|n| n.adjoint).count();
        assert_eq!(tangents, 1, "only the derivative of the value is named");
        assert!(g
            .nodes
            .iter()
            .all(|n| !matches!(n.op, Op::Prim(crate::rules::Prim::Cos, _))));
        let out = eval_outputs(&g, &[vec![3.0], vec![0.5]]).expect("evaluates");
        assert_eq!(out[1], 0.5_f64.sin() * 0.5);
    }
}
