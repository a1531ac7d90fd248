//! Carrying a store to the next iteration: in an ascending loop that adds
//! into both `d_xs[i]` and `d_xs[i + 1]` (a stencil such as the extended
//! Rosenbrock function's `x[i + 1] - x[i]²`), the term for `i + 1` is kept
//! in a register and added together with iteration `i + 1`'s own term:
//!
//! ```text
//! let mut d_xs_next = 0.0;
//! for i in a..b {
//!     …
//!     d_xs[i] += term_i + d_xs_next;
//!     d_xs_next = term_next;
//! }
//! if a < b { d_xs[b] += d_xs_next; }
//! ```
//!
//! Each element is then read and written once per call instead of twice,
//! and two neighbouring read-modify-writes cannot be merged into one wide
//! one that the next iteration's read overlaps (a store-forwarding stall
//! that made such a loop 3.6× slower than a hand-written one). Stores only
//! add into buffers nothing reads, so deferring one is exact up to the
//! order of the additions.

use crate::ir::walk::regions;
use crate::ir::{Block, Carried, Cmp, Graph, If, IntOp, NodeId, Op};
use crate::rules::Prim;

/// Carries neighbour stores in every ascending loop; returns whether any changed.
pub fn carry_stores(g: &mut Graph) -> bool {
    let mut changed = false;
    let body = std::mem::take(&mut g.body);
    g.body = carry_block(g, body, &mut changed);
    let mut stack: Vec<NodeId> = g.body.nodes.clone();
    while let Some(n) = stack.pop() {
        let mut op = std::mem::replace(&mut g.nodes[n.index()].op, Op::Const(0.0));
        match &mut op {
            Op::Loop(l) => {
                l.body = carry_block(g, std::mem::take(&mut l.body), &mut changed);
                stack.extend(&l.body.nodes);
                if let Some(t) = &l.test {
                    stack.extend(&t.head.nodes);
                }
            }
            Op::If(i) => {
                i.then = carry_block(g, std::mem::take(&mut i.then), &mut changed);
                i.els = carry_block(g, std::mem::take(&mut i.els), &mut changed);
                stack.extend(&i.then.nodes);
                stack.extend(&i.els.nodes);
            }
            _ => {}
        }
        g.nodes[n.index()].op = op;
    }
    changed
}

/// Rewrites the loops of one block that match, adding the register's
/// initial value before each and its last store after it.
fn carry_block(g: &mut Graph, block: Block, changed: &mut bool) -> Block {
    let mut out = Block::default();
    for n in block.nodes {
        let Some((here, next)) = neighbour_stores(g, n) else {
            out.nodes.push(n);
            continue;
        };
        *changed = true;
        let span = g.node(n).span;
        let zero = g.add(Op::Const(0.0), span);
        out.nodes.push(zero);
        let reg = g.add(Op::Result(n), span);
        let reg_out = g.add(Op::Result(n), span);
        let Op::Store { param, value, .. } = *g.op(next) else {
            unreachable!("neighbour_stores returns stores")
        };
        let name = format!("{}_next", g.params[param].name);
        for r in [reg, reg_out] {
            g.nodes[r.index()].name = Some(name.clone());
            g.nodes[r.index()].adjoint = true;
        }
        // iteration i adds what iteration i - 1 left for it
        let Op::Store { value: own, .. } = *g.op(here) else {
            unreachable!("neighbour_stores returns stores")
        };
        let sum = g.add(Op::Prim(Prim::Add, vec![own, reg]), span);
        if let Op::Store { value, .. } = &mut g.nodes[here.index()].op {
            *value = sum;
        }
        let Op::Loop(l) = &mut g.nodes[n.index()].op else {
            unreachable!("neighbour_stores matches loops")
        };
        let at = l.body.nodes.iter().position(|&x| x == here).unwrap_or(0);
        l.body.nodes.insert(at, sum);
        l.body.nodes.retain(|&x| x != next);
        l.carried.push(Carried {
            init: zero,
            param: reg,
            next: value,
            out: reg_out,
            int: false,
        });
        let (start, end, inclusive) = (l.start, l.end, l.inclusive);
        out.nodes.push(n);
        // after the loop, if it ran: the last iteration's term for `end`
        // (`end + 1` for an inclusive range)
        let ran = g.add(
            Op::ICmp(if inclusive { Cmp::Le } else { Cmp::Lt }, start, end),
            span,
        );
        out.nodes.push(ran);
        let mut then = Block::default();
        let row = if inclusive {
            let one = g.add(Op::IConst(1), span);
            let row = g.add(Op::IArith(IntOp::Add, end, one), span);
            then.nodes.extend([one, row]);
            row
        } else {
            end
        };
        let last = g.add(
            Op::Store {
                param,
                row,
                col: None,
                value: reg_out,
            },
            span,
        );
        then.nodes.push(last);
        let guard = g.add(
            Op::If(Box::new(If {
                cond: ran,
                then,
                els: Block::default(),
                outs: Vec::new(),
            })),
            span,
        );
        out.nodes.push(guard);
    }
    out
}

/// For an ascending range loop whose body (at its own level) adds into
/// element `i` and element `i + 1` of the same one-dimensional gradient
/// buffer, once each: those two stores.
fn neighbour_stores(g: &Graph, n: NodeId) -> Option<(NodeId, NodeId)> {
    let Op::Loop(l) = g.op(n) else { return None };
    if l.rev
        || l.test.is_some()
        || l.replay.is_some()
        || !l.record.is_empty()
        || !l.record_int.is_empty()
        || !l.undo.is_empty()
    {
        return None;
    }
    let stores: Vec<(NodeId, usize, NodeId)> = l
        .body
        .nodes
        .iter()
        .filter_map(|&s| match g.op(s) {
            Op::Store {
                param,
                row,
                col: None,
                ..
            } => Some((s, *param, *row)),
            _ => None,
        })
        .collect();
    // a store nested in a branch or an inner loop of the body would be left
    // behind; keep it simple: none of those for the same buffer
    let nested: Vec<usize> = nested_store_params(g, &l.body);
    for &(here, param, row) in &stores {
        if row != l.var || nested.contains(&param) {
            continue;
        }
        let next: Vec<NodeId> = stores
            .iter()
            .filter(|&&(_, p, r)| p == param && is_successor(g, r, l.var))
            .map(|&(s, _, _)| s)
            .collect();
        let same_row = stores
            .iter()
            .filter(|&&(_, p, r)| p == param && r == l.var)
            .count();
        if let ([next], 1) = (next.as_slice(), same_row) {
            return Some((here, *next));
        }
    }
    None
}

/// Whether `row` is `var + 1`.
fn is_successor(g: &Graph, row: NodeId, var: NodeId) -> bool {
    let one = |x: NodeId| matches!(g.op(x), Op::IConst(1));
    match g.op(row) {
        Op::IArith(IntOp::Add, a, b) => (*a == var && one(*b)) || (*b == var && one(*a)),
        _ => false,
    }
}

/// The gradient buffers stored into inside the regions nested in `body`.
fn nested_store_params(g: &Graph, body: &Block) -> Vec<usize> {
    let mut found = Vec::new();
    let mut stack: Vec<&Block> = body.nodes.iter().flat_map(|&n| regions(g.op(n))).collect();
    while let Some(b) = stack.pop() {
        for &n in &b.nodes {
            if let Op::Store { param, .. } = g.op(n) {
                found.push(*param);
            }
            stack.extend(regions(g.op(n)));
        }
    }
    found
}
