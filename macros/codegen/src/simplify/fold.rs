//! Constant folding and algebraic identities, one node at a time.

use super::{remap_outputs, resolve, FastMap};
use crate::ir::{Block, Graph, NodeId, Op};
use crate::rules::Prim;

/// What a node becomes.
enum Rewrite {
    /// Use another, existing node instead.
    Same(NodeId),
    /// Replace the operation in place.
    Op(Op),
}

/// Folds constants and applies identities throughout the graph; returns
/// whether anything changed.
pub fn fold(g: &mut Graph) -> bool {
    let mut map = FastMap::default();
    let mut changed = false;
    let body = std::mem::take(&mut g.body);
    g.body = fold_block(g, body, &mut map, &mut changed);
    remap_outputs(g, &map);
    changed || !map.is_empty()
}

fn fold_block(
    g: &mut Graph,
    block: Block,
    map: &mut FastMap<NodeId, NodeId>,
    changed: &mut bool,
) -> Block {
    let mut out = Block::default();
    for id in block.nodes {
        let mut op = std::mem::replace(&mut g.nodes[id.index()].op, Op::Const(0.0));
        if let Op::If(i) = &mut op {
            i.then = fold_block(g, std::mem::take(&mut i.then), map, changed);
            i.els = fold_block(g, std::mem::take(&mut i.els), map, changed);
        }
        if let Op::Loop(l) = &mut op {
            if let Some(t) = &mut l.test {
                t.head = fold_block(g, std::mem::take(&mut t.head), map, changed);
            }
            l.body = fold_block(g, std::mem::take(&mut l.body), map, changed);
        }
        op.map_refs(|n| resolve(map, n));
        // an `if` whose condition became constant: keep only the taken branch
        if let Op::If(i) = &op {
            if let Some(taken) = const_bool(g, i.cond) {
                let block = if taken { &i.then } else { &i.els };
                out.nodes.extend(block.nodes.iter().copied());
                for (t, e, r) in &i.outs {
                    map.insert(*r, if taken { *t } else { *e });
                }
                g.nodes[id.index()].op = Op::Const(0.0);
                *changed = true;
                continue;
            }
        }
        // `a + a` → `2·a` (exact in IEEE arithmetic)
        if let Op::Prim(Prim::Add, args) = &op {
            if args[0] == args[1] {
                let two = g.add(Op::Const(2.0), g.node(id).span);
                out.nodes.push(two);
                op = Op::Prim(Prim::Mul, vec![two, args[0]]);
                *changed = true;
            }
        }
        // `x + 2·x` → `3·x` (exact: 2·x is exact, so both round 3·x once)
        if let Op::Prim(Prim::Add, args) = &op {
            let (a, b) = (args[0], args[1]);
            let twice = |m: NodeId, x: NodeId| {
                scaled(g, m).is_some_and(|(c, y)| y == x && c.to_bits() == 2f64.to_bits())
            };
            let x = if twice(b, a) {
                Some(a)
            } else if twice(a, b) {
                Some(b)
            } else {
                None
            };
            if let Some(x) = x {
                let three = g.add(Op::Const(3.0), g.node(id).span);
                out.nodes.push(three);
                op = Op::Prim(Prim::Mul, vec![three, x]);
                *changed = true;
            }
        }
        if let Some(folded) = constant_product(g, &op) {
            let span = g.node(id).span;
            let c = g.add(Op::Const(folded.0), span);
            out.nodes.push(c);
            op = Op::Prim(Prim::Mul, vec![c, folded.1]);
            *changed = true;
        }
        if let Some((k, a, m)) = negation_into_constant(g, &op) {
            let span = g.node(id).span;
            let minus_k = g.add(Op::Const(-k), span);
            let scaled = g.add(Op::Prim(Prim::Mul, vec![minus_k, a]), span);
            out.nodes.extend([minus_k, scaled]);
            let m = match m {
                Negated::Node(m) => m,
                Negated::Product(p, c) => {
                    let product = g.add(Op::Prim(Prim::Mul, vec![p, c]), span);
                    out.nodes.push(product);
                    product
                }
            };
            op = Op::Prim(Prim::Sub, vec![scaled, m]);
            *changed = true;
        }
        match rewrite(g, &op) {
            Some(Rewrite::Same(other)) => {
                g.nodes[id.index()].op = op;
                keep_name(g, id, other);
                map.insert(id, other);
                continue;
            }
            Some(Rewrite::Op(new)) => {
                op = new;
                *changed = true;
            }
            None => {}
        }
        g.nodes[id.index()].op = op;
        out.nodes.push(id);
    }
    out
}

/// `c₁·(c₂·x)` → `(c₁c₂)·x` when that is exact: `c₂ = ±2ᵏ` with `k ≥ 0` (so
/// `c₂·x` is exact or overflows), `|c₁| ≥ 1` (so if `c₂·x` overflows,
/// `c₁c₂·x` does too, to the same infinity) and `c₁c₂` a finite constant
/// of the graph's type. Returns `(c₁c₂, x)`. This is what turns the forward
/// mode's `3·(2·z)` into `6·z`.
fn constant_product(g: &Graph, op: &Op) -> Option<(f64, NodeId)> {
    let Op::Prim(Prim::Mul, args) = op else {
        return None;
    };
    let (c1, m) = const_times(g, args)?;
    let (c2, x) = scaled(g, m)?;
    // a normal number with an all-zero mantissa is ±2ᵏ
    let mantissa = c2.to_bits() & ((1 << 52) - 1);
    let power_of_two = c2.is_normal() && mantissa == 0 && c2.abs() >= 2.0;
    let product = c1 * c2;
    let representable = g.float.round(product) == product && product.is_finite();
    (power_of_two && c1.abs() >= 1.0 && representable).then_some((product, x))
}

/// `(c, x)` for the operands of a product `c·x` or `x·c` with exactly one
/// constant `c`.
fn const_times(g: &Graph, args: &[NodeId]) -> Option<(f64, NodeId)> {
    match (g.constant(args[0]), g.constant(args[1])) {
        (Some(c), None) => Some((c, args[1])),
        (None, Some(c)) => Some((c, args[0])),
        _ => None,
    }
}

/// `(c, x)` when node `n` is such a product.
fn scaled(g: &Graph, n: NodeId) -> Option<(f64, NodeId)> {
    match g.op(n) {
        Op::Prim(Prim::Mul, args) => const_times(g, args),
        _ => None,
    }
}

/// What a negated left operand negates: `−m`, or `(−p)·c`.
enum Negated {
    Node(NodeId),
    Product(NodeId, NodeId),
}

/// `(−m) − k·a` → `(−k)·a − m`, and `(−p)·c − k·a` → `(−k)·a − p·c`, for a
/// constant `k`. This is exact: negation commutes with rounding,
/// `x − y = x + (−y)` and addition commutes (signed zeros included). The
/// negation is absorbed into the constant, one operation fewer. It turns
/// the reverse sweep's `−∂b·(2x) − 2·a` into `−2·a − ∂b·(2x)`. Returns
/// `(k, a, what the left operand negates)`.
fn negation_into_constant(g: &Graph, op: &Op) -> Option<(f64, NodeId, Negated)> {
    let Op::Prim(Prim::Sub, args) = op else {
        return None;
    };
    let (k, a) = scaled(g, args[1])?;
    let negated = match g.op(args[0]) {
        Op::Prim(Prim::Neg, m) => Negated::Node(m[0]),
        Op::Prim(Prim::Mul, f) => match (negated(g, f[0]), negated(g, f[1])) {
            (Some(p), None) => Negated::Product(p, f[1]),
            (None, Some(p)) => Negated::Product(f[0], p),
            _ => return None,
        },
        _ => return None,
    };
    Some((k, a, negated))
}

/// When `gone` is replaced by `kept`, a name `gone` had moves to `kept` if
/// `kept` has none (so `d_pred` survives `1·x → x`).
pub(super) fn keep_name(g: &mut Graph, gone: NodeId, kept: NodeId) {
    let kept_node = &g.nodes[kept.index()];
    if kept_node.name.is_some() || matches!(kept_node.op, Op::Const(_) | Op::Param { .. }) {
        return;
    }
    let (name, adjoint, along) = (
        g.nodes[gone.index()].name.clone(),
        g.nodes[gone.index()].adjoint,
        g.nodes[gone.index()].along,
    );
    g.nodes[kept.index()].name = name;
    g.nodes[kept.index()].adjoint = adjoint;
    g.nodes[kept.index()].along = along;
}

/// Puts a constant operand of `+` and `·` (exactly commutative in IEEE
/// arithmetic) first, so `2·x` reads as written by hand; CSE matches the
/// other operand orders itself.
fn canonical(g: &Graph, a: NodeId, b: NodeId) -> bool {
    g.constant(a).is_some() || g.constant(b).is_none()
}

fn const_bool(g: &Graph, n: NodeId) -> Option<bool> {
    match g.op(n) {
        Op::Cmp(c, a, b) => Some(c.apply(g.constant(*a)?, g.constant(*b)?)),
        Op::Not(a) => const_bool(g, *a).map(|b| !b),
        Op::And(a, b) => match (const_bool(g, *a), const_bool(g, *b)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        Op::Or(a, b) => match (const_bool(g, *a), const_bool(g, *b)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn is(g: &Graph, n: NodeId, c: f64) -> bool {
    g.constant(n) == Some(c)
}

/// The constant is exactly `c`, sign of zero included.
fn is_bits(g: &Graph, n: NodeId, c: f64) -> bool {
    g.constant(n).is_some_and(|v| v.to_bits() == c.to_bits())
}

fn negated(g: &Graph, n: NodeId) -> Option<NodeId> {
    match g.op(n) {
        Op::Prim(Prim::Neg, a) => Some(a[0]),
        _ => None,
    }
}

fn rewrite(g: &Graph, op: &Op) -> Option<Rewrite> {
    use Rewrite::{Op as New, Same};
    let float = g.float;
    match op {
        Op::Prim(p, args) => {
            let consts: Option<Vec<f64>> = args.iter().map(|a| g.constant(*a)).collect();
            if let Some(cs) = consts {
                return Some(New(Op::Const(float.round(p.eval(&cs)))));
            }
            let a = args[0];
            let b = args.get(1).copied();
            if let (Prim::Add | Prim::Mul, Some(b)) = (p, b) {
                if !canonical(g, a, b) {
                    return Some(New(Op::Prim(*p, vec![b, a])));
                }
            }
            match (p, b) {
                // exact only with −0: `(−0) + 0 = +0`, but `x + (−0) = x` for every x
                (Prim::Add, Some(b)) if is_bits(g, b, -0.0) => Some(Same(a)),
                (Prim::Add, Some(b)) if is_bits(g, a, -0.0) => Some(Same(b)),
                (Prim::Add, Some(b)) => match (negated(g, a), negated(g, b)) {
                    (_, Some(nb)) => Some(New(Op::Prim(Prim::Sub, vec![a, nb]))),
                    (Some(na), None) => Some(New(Op::Prim(Prim::Sub, vec![b, na]))),
                    _ => None,
                },
                // `x − (+0) = x` for every x; `(−0) − x = −x` for every x
                (Prim::Sub, Some(b)) if is_bits(g, b, 0.0) => Some(Same(a)),
                (Prim::Sub, Some(b)) if is_bits(g, a, -0.0) => {
                    Some(New(Op::Prim(Prim::Neg, vec![b])))
                }
                (Prim::Sub, Some(b)) => {
                    negated(g, b).map(|nb| New(Op::Prim(Prim::Add, vec![a, nb])))
                }
                (Prim::Mul, Some(b)) if is(g, b, 1.0) => Some(Same(a)),
                (Prim::Mul, Some(b)) if is(g, a, 1.0) => Some(Same(b)),
                (Prim::Mul, Some(b)) if is(g, b, -1.0) => Some(New(Op::Prim(Prim::Neg, vec![a]))),
                (Prim::Mul, Some(b)) if is(g, a, -1.0) => Some(New(Op::Prim(Prim::Neg, vec![b]))),
                (Prim::Mul, Some(b)) => match (negated(g, a), negated(g, b)) {
                    (Some(na), Some(nb)) => Some(New(Op::Prim(Prim::Mul, vec![na, nb]))),
                    _ => None,
                },
                (Prim::Div, Some(b)) if is(g, b, 1.0) => Some(Same(a)),
                (Prim::Neg, None) => negated(g, a).map(Same),
                _ => None,
            }
        }
        Op::Powi(a, n) => match (g.constant(*a), n) {
            (Some(c), _) => Some(New(Op::Const(float.round(c.powi(*n))))),
            (None, 1) => Some(Same(*a)),
            (None, 0) => Some(New(Op::Const(1.0))),
            _ => None,
        },
        Op::Select(c, a, b) => match const_bool(g, *c) {
            Some(true) => Some(Same(*a)),
            Some(false) => Some(Same(*b)),
            None if a == b => Some(Same(*a)),
            None => None,
        },
        Op::Cmp(..) | Op::And(..) | Op::Or(..) | Op::Not(_) => None,
        _ => None,
    }
}
