//! Which values the body writer puts inline into their one user, and
//! where a long inlined chain gets a `let` so the emitted expressions (and
//! rustc's recursion over them) stay shallow.

use std::collections::{HashMap, HashSet};

use crate::ir::{Block, Graph, NodeId, Op};

/// Which nodes are written inline: constants and parameters always; other
/// unnamed single-use values when their user is in the same block.
pub fn inlined(g: &Graph) -> HashSet<NodeId> {
    let mut uses: HashMap<NodeId, Vec<usize>> = HashMap::new();
    let mut home: HashMap<NodeId, usize> = HashMap::new();
    let mut next_block = 0;
    count_uses(g, &g.body, &mut next_block, &mut uses, &mut home);
    for o in g.outputs() {
        uses.entry(o).or_default().push(0);
    }
    let mut inline = HashSet::new();
    for (&n, blocks) in &uses {
        let node = g.node(n);
        let always = matches!(
            node.op,
            Op::Const(_)
                | Op::Extern(_)
                | Op::Param { .. }
                | Op::IConst(_)
                | Op::IParam(_)
                | Op::Len(_)
        );
        let single = blocks.len() == 1
            && node.name.is_none()
            && !node.op.is_multi()
            && !node.op.is_stateful()
            && !matches!(node.op, Op::Result(_))
            && home.get(&n) == Some(&blocks[0]);
        if always || single {
            inline.insert(n);
        }
    }
    // a named value whose one use is to become a loop's next carried value
    // is written into the update (`s += r * r`), under the carried name
    for node in &g.nodes {
        if let Op::Loop(l) = &node.op {
            for c in &l.carried {
                let n = g.node(c.next);
                let once = uses.get(&c.next).is_some_and(|u| u.len() == 1);
                let own = l.body.nodes.contains(&c.next);
                if once
                    && own
                    && !n.op.is_multi()
                    && !n.op.is_stateful()
                    && !matches!(n.op, Op::Result(_))
                {
                    inline.insert(c.next);
                }
            }
        }
    }
    // constants and parameters nobody uses are not written either
    for (i, node) in g.nodes.iter().enumerate() {
        if matches!(node.op, Op::Const(_) | Op::Param { .. }) {
            inline.insert(NodeId(i as u32));
        }
    }
    cap_inline_depth(g, &mut inline);
    inline
}

/// The deepest an inlined expression may nest before its root gets a `let`.
pub const MAX_INLINE_DEPTH: usize = 32;

/// Binds every [`MAX_INLINE_DEPTH`]-th level of a chain of inlined
/// expressions (`s = s * 0.5 + x` unrolled 10,000 times, a product of 1,000
/// factors): writing a chain as one expression copies each level's tokens
/// into the next (quadratic time), and its nesting overflows the stacks of
/// the writer and of rustc.
fn cap_inline_depth(g: &Graph, inline: &mut HashSet<NodeId>) {
    // nodes are numbered after their arguments, so one pass in order sees
    // each argument's depth first
    let mut depth = vec![0usize; g.nodes.len()];
    for (i, node) in g.nodes.iter().enumerate() {
        let n = NodeId(i as u32);
        if matches!(node.op, Op::Const(_) | Op::Extern(_) | Op::Param { .. }) {
            continue;
        }
        let d = 1 + node
            .op
            .args()
            .into_iter()
            .filter(|a| inline.contains(a))
            .map(|a| depth.get(a.0 as usize).copied().unwrap_or(0))
            .max()
            .unwrap_or(0);
        if d > MAX_INLINE_DEPTH && inline.remove(&n) {
            depth[i] = 0;
        } else {
            depth[i] = d;
        }
    }
}

fn count_uses(
    g: &Graph,
    block: &Block,
    next_block: &mut usize,
    uses: &mut HashMap<NodeId, Vec<usize>>,
    home: &mut HashMap<NodeId, usize>,
) {
    let me = *next_block;
    *next_block += 1;
    for &n in &block.nodes {
        home.insert(n, me);
        for a in g.op(n).args() {
            uses.entry(a).or_default().push(me);
        }
        if let Op::Loop(l) = g.op(n) {
            if let Some(t) = &l.test {
                let head_id = *next_block;
                count_uses(g, &t.head, next_block, uses, home);
                uses.entry(t.cond).or_default().push(head_id);
            }
            let body_id = *next_block;
            count_uses(g, &l.body, next_block, uses, home);
            for v in l
                .carried
                .iter()
                .map(|c| c.next)
                .chain(l.record.iter().copied())
                .chain(l.record_int.iter().copied())
            {
                uses.entry(v).or_default().push(body_id);
            }
        }
        if let Op::If(i) = g.op(n) {
            let then_id = *next_block;
            count_uses(g, &i.then, next_block, uses, home);
            let else_id = *next_block;
            count_uses(g, &i.els, next_block, uses, home);
            for (t, e, _) in &i.outs {
                uses.entry(*t).or_default().push(then_id);
                uses.entry(*e).or_default().push(else_id);
            }
        }
    }
}
