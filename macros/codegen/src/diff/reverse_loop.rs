//! Reverse mode of a run-time loop: the backward pass of a loop is a loop.
//!
//! The reverse loop runs the same range the other way. Each of its
//! iterations first recomputes the forward iteration it undoes (from the
//! carried values at that iteration's entry), then sweeps it backwards. It
//! carries:
//!
//! - the adjoint of each active carried value, seeded with the adjoint of
//!   the loop's result; when an iteration passes it on unchanged (an
//!   accumulator `s += f(x_i)`: `∂s_next/∂s = 1`), it is loop-invariant and
//!   is not carried at all, it is read from outside;
//! - the adjoint of each value from outside the loop that the body reads
//!   (`w` in `s += w * x[i]`), summed over the iterations from zero.
//!
//! Adjoints of slice elements are added into the gradient buffer where they
//! arise (`d_xs[i] += …`). The carried values at an iteration's entry that
//! the reverse sweep actually reads are recorded by the forward loop on a
//! tape sized once per call (`s` of an accumulator is never read: no tape;
//! the state of an ODE step is: one value per iteration), and recalled last
//! first. A nested loop is recorded rather than recomputed where that is
//! cheaper ([`recorded_results`]): its results on the enclosing loop's
//! tape, and, when its iterations each run a loop, its own tape for all its
//! runs (a stacked tape, popped by its reverse loop). Under
//! `#[differentiable(record)]` the body's calls into the math library are
//! recorded on the same tape rather than recomputed ([`recorded_values`]).

use std::collections::{HashMap, HashSet};

use super::reverse::{accumulate, reverse_block, Adjoints};
use super::{is_active, name_derivatives, set_active};
use crate::ir::walk::{mark_live, substitute};
use crate::ir::{Builder, Carried, Graph, Loop, NodeId, Op};

/// Reverses the loop node `n`: appends its reverse loop to `b` and adds the
/// adjoints flowing out of it (to the initial values and to the outside
/// values the body reads) to `adj`.
pub(super) fn reverse_loop(
    b: &mut Builder<'_>,
    n: NodeId,
    adj: &mut Adjoints,
    active: &mut Vec<bool>,
    marks: &[(NodeId, NodeId)],
) {
    let Op::Loop(l) = b.graph.op(n).clone() else {
        unreachable!("reverse_loop is called on loop nodes")
    };
    let seeds: Vec<Option<NodeId>> = l.carried.iter().map(|c| adj.get(&c.out).copied()).collect();
    // a loop that writes buffers passes adjoints on through them
    if seeds.iter().all(Option::is_none) && !super::buffer::writes_buffers(b.graph, &l.body) {
        return;
    }
    let mut undo = super::buffer::written_outside(b.graph, &l.body);
    // a buffer whose elements each iteration keeps to itself is rolled back
    // once, to its log length before the loop, instead of per iteration
    let whole: Vec<(NodeId, NodeId)> = marks
        .iter()
        .copied()
        .filter(|(buf, _)| undo.contains(buf) && crate::ir::own_elements(b.graph, &l, *buf))
        .collect();
    undo.retain(|buf| !whole.iter().any(|w| w.0 == *buf));
    let span = b.graph.node(n).span;
    // a `while` loop is undone by a range loop over its trip count
    let (start, end, inclusive, rev) = match &l.test {
        Some(t) if t.bounded => undone_range(b, &l, t.trips),
        Some(t) => (b.push(Op::IConst(0)), t.trips, false, true),
        None => (l.start, l.end, l.inclusive, !l.rev),
    };
    let g = &mut *b.graph;
    let r = g.add(Op::Const(0.0), span);
    let var = result_like(g, r, l.var, false);

    // the adjoint carried for each active carried value
    let dcarry: Vec<(usize, NodeId)> = l
        .carried
        .iter()
        .enumerate()
        .filter(|(_, c)| is_active(active, c.param))
        .map(|(k, c)| (k, result_like(g, r, c.param, true)))
        .collect();

    let saved = std::mem::take(&mut b.block);
    // the carried values at the entry of the iteration being undone
    let mut remap = HashMap::from([(l.var, var)]);
    let mut recalls = Vec::new();
    for (k, c) in l.carried.iter().enumerate() {
        // an integer is recalled from the loop's index tape
        let rc = if c.int {
            b.push(Op::RecallInt { of: n, slot: k })
        } else {
            b.push(Op::Recall { of: n, slot: k })
        };
        b.graph.nodes[rc.index()].name = b.graph.node(c.param).name.clone();
        set_active(active, rc, is_active(active, c.param));
        remap.insert(c.param, rc);
        recalls.push(rc);
    }
    // a `while` loop's test computes values its body may read: recompute it too
    let head = match &l.test {
        Some(t) => b.graph.copy_block(&t.head, &mut remap).nodes,
        None => Vec::new(),
    };
    let mut copy = b.graph.copy_block(&l.body, &mut remap);
    copy.nodes.splice(0..0, head);
    for (old, new) in &remap {
        let v = is_active(active, *old);
        set_active(active, *new, v);
    }
    b.block.nodes.extend(copy.nodes.iter().copied());
    let mut local = Adjoints::new();
    for &(k, p) in &dcarry {
        let next = l.carried[k].next;
        let next = remap.get(&next).copied().unwrap_or(next);
        if is_active(active, next) {
            accumulate(b, &mut local, next, p);
        }
    }
    reverse_block(b, &copy.nodes, &mut local, active);
    name_derivatives(b.graph, &copy.nodes, &local);

    let inside: HashSet<NodeId> = remap.values().copied().collect();
    let mut carried = Vec::new();
    let mut flows_to = Vec::new();
    for &(k, p) in &dcarry {
        let next = match local.get(&recalls[k]) {
            Some(&d) => d,
            None => b.constant(0.0),
        };
        carried.push((p, next, seeds[k]));
        flows_to.push(l.carried[k].init);
    }
    let mut escaping: Vec<(NodeId, NodeId)> = local
        .iter()
        .filter(|(k, _)| !inside.contains(k) && !dcarry.iter().any(|d| d.1 == **k))
        .map(|(k, v)| (*k, *v))
        .collect();
    escaping.sort();
    for (key, contrib) in escaping {
        let acc = b.graph.add(Op::Result(r), span);
        let name = match b.graph.op(key) {
            Op::Param { param, index } => Some(super::element_name(b.graph, *param, *index)),
            _ => b.graph.node(key).name.clone(),
        };
        b.graph.nodes[acc.index()].name = name;
        b.graph.nodes[acc.index()].adjoint = true;
        let next = b.add(acc, contrib);
        carried.push((acc, next, None));
        flows_to.push(key);
    }
    let mut body = std::mem::replace(&mut b.block, saved);
    let roots: Vec<NodeId> = carried.iter().map(|c| c.1).collect();
    super::undone::drop_undone_writes(b.graph, &mut body, &roots);

    // an adjoint no iteration changes is the same in every iteration: read
    // it from outside instead of carrying it
    let mut subst = HashMap::new();
    let mut kept = Vec::new();
    for ((p, next, seed), to) in carried.into_iter().zip(flows_to) {
        let init = match seed {
            Some(s) => s,
            None => b.constant(0.0),
        };
        if next == p {
            subst.insert(p, init);
            if seed.is_some() && is_active(active, to) {
                accumulate(b, adj, to, init);
            }
            continue;
        }
        kept.push((p, next, init, to));
    }
    substitute(b.graph, &body, &subst);
    // the reverse loop carries the adjoint of a state: its iterations run
    // in order, apart from the forward loop (one that only sums is fused
    // into the forward loop, whose recomputation then merges with it)
    let ordered = kept.iter().any(|k| dcarry.iter().any(|d| d.1 == k.0));
    let mut rev_carried = Vec::new();
    let mut outs = Vec::new();
    for (p, next, init, to) in kept {
        let next = subst.get(&next).copied().unwrap_or(next);
        let out = b.graph.add(Op::Result(r), span);
        b.graph.nodes[out.index()].name = b.graph.node(p).name.clone();
        b.graph.nodes[out.index()].adjoint = b.graph.node(p).adjoint;
        rev_carried.push(Carried {
            init,
            param: p,
            next,
            out,
            int: false,
        });
        outs.push((to, out));
    }

    // nested loops recomputed only for their results: recorded instead
    let mut results = recorded_results(b, n, &l, &remap, &mut body, active, ordered);
    // `record`: the body's calls into the math library, recorded instead
    // of recomputed, unless the reverse loop can join the forward loop
    // (where recomputing costs nothing) or checkpointing asks for recomputation
    if b.graph.record
        && b.graph.checkpoint.is_none()
        && (ordered || reads_results(b.graph, &seeds, n, &l))
    {
        results.extend(recorded_values(b, n, &l, &remap, &mut body, active));
    }

    // record only what the reverse body reads
    let mut live: HashSet<NodeId> = rev_carried.iter().map(|c| c.next).collect();
    mark_live(b.graph, &body, &mut live, &mut b.effects);
    let mut record = Vec::new();
    let mut record_int = Vec::new();
    for (k, rc) in recalls.iter().enumerate() {
        if l.carried[k].int {
            b.graph.nodes[rc.index()].op = if live.contains(rc) {
                record_int.push(l.carried[k].param);
                Op::RecallInt {
                    of: n,
                    slot: record_int.len() - 1,
                }
            } else {
                Op::IConst(0)
            };
            continue;
        }
        if live.contains(rc) {
            b.graph.nodes[rc.index()].op = Op::Recall {
                of: n,
                slot: record.len(),
            };
            record.push(l.carried[k].param);
        } else {
            // only dead code reads it; simplification removes both
            b.graph.nodes[rc.index()].op = Op::Const(0.0);
        }
    }
    for (result, rc) in results {
        b.graph.nodes[rc.index()].op = if live.contains(&rc) {
            record.push(result);
            Op::Recall {
                of: n,
                slot: record.len() - 1,
            }
        } else {
            Op::Const(0.0)
        };
    }
    if let Some(&first) = record.first() {
        let base = match (&b.graph.node(first).name, b.graph.op(first)) {
            (Some(name), _) => name.clone(),
            // `record`: an unnamed call into the math library (`exp_tape`)
            (None, Op::Prim(p, _)) => format!("{p:?}").to_lowercase(),
            (None, _) => "state".into(),
        };
        b.graph.nodes[n.index()].name = Some(format!("{base}_tape"));
    }
    if let Op::Loop(fwd) = &mut b.graph.nodes[n.index()].op {
        fwd.record = record.clone();
        fwd.undo = undo.clone();
        fwd.record_int = record_int.clone();
    }
    b.graph.nodes[r.index()].op = Op::Loop(Box::new(Loop {
        var,
        start,
        end,
        inclusive,
        rev,
        carried: rev_carried,
        body,
        record: Vec::new(),
        replay: (!record.is_empty() || !undo.is_empty() || !record_int.is_empty()).then_some(n),
        test: None,
        undo: Vec::new(),
        record_int: Vec::new(),
        stacked: false,
    }));
    for (buf, to) in whole {
        b.push(Op::Buf(crate::ir::BufOp::Undo { buf, to }));
    }
    b.block.nodes.push(r);
    for (to, out) in outs {
        set_active(active, out, true);
        if is_active(active, to) {
            accumulate(b, adj, to, out);
        }
    }
}

/// Record or recompute, for the loops nested in the body of loop `n`
/// (`l`): the reverse body `body` recomputes each such loop (its copy,
/// through `remap`) before sweeping it backwards. Recording costs one float
/// per recorded value, recomputing a whole inner loop; the copy gives way
/// to recalls of its results, which the forward loop records at the end of
/// each iteration (their slots are fixed once the live ones are known):
///
/// - a copy that keeps no tape, writes nothing and counts no trips runs
///   only for its results: always recorded;
/// - a copy that keeps a tape for its own reverse loop ([`stack_tapes`]) is
///   recorded when an iteration of it costs more than the floats it keeps,
///   that is when its body runs a loop of its own (GMM's `Qᵢ·(x − μ)` rows,
///   a reduction over `d` per recorded float); its recording moves to the
///   forward loop's original, whose tape then holds every run of the outer
///   loop's iteration. A copy with O(1) work per iteration is recomputed,
///   and so is any copy when the reverse loop only sums (`!ordered`): it
///   joins the forward loop ([`crate::simplify`]'s fusion), where the copy
///   merges with the loop it recomputes and costs nothing; and under
///   `checkpoint = k`, which trades recomputation for memory on purpose
///   (a segment's loop would otherwise keep every state again).
///
/// Returns each original result with its recall.
fn recorded_results(
    b: &mut Builder<'_>,
    n: NodeId,
    l: &Loop,
    remap: &HashMap<NodeId, NodeId>,
    body: &mut crate::ir::Block,
    active: &mut Vec<bool>,
    ordered: bool,
) -> Vec<(NodeId, NodeId)> {
    let replayed: HashSet<NodeId> = b
        .graph
        .nodes
        .iter()
        .filter_map(|node| match &node.op {
            Op::Loop(x) => x.replay,
            _ => None,
        })
        .collect();
    let mut effects = crate::ir::walk::Effects::default();
    let mut out = Vec::new();
    let mut subst = HashMap::new();
    for &orig in &l.body.nodes {
        let (Op::Loop(lo), Some(&copy)) = (b.graph.op(orig), remap.get(&orig)) else {
            continue;
        };
        let Some(pos) = body.nodes.iter().position(|&x| x == copy) else {
            continue;
        };
        let Op::Loop(lc) = b.graph.op(copy) else {
            continue;
        };
        let simple = lc.test.is_none()
            && lc.record_int.is_empty()
            && lc.undo.is_empty()
            && lc.replay.is_none()
            && lc.carried.len() == lo.carried.len()
            && lc.carried.iter().all(|c| !c.int)
            && !effects.in_block(b.graph, &lc.body);
        if !simple {
            continue;
        }
        let plain = lc.record.is_empty() && !replayed.contains(&copy);
        let pairs: Vec<(NodeId, NodeId)> = lo
            .carried
            .iter()
            .zip(&lc.carried)
            .map(|(o, c)| (o.out, c.out))
            .collect();
        // checkpointing asks for recomputation: its segments' tapes stay
        let stack = ordered && b.graph.checkpoint.is_none();
        let recorded = plain || (stack && stack_tapes(b.graph, copy, remap, body));
        if !recorded {
            continue;
        }
        let span = b.graph.node(copy).span;
        let mut recalls = Vec::new();
        for (o, c) in pairs {
            let rc = b.graph.add(Op::Recall { of: n, slot: 0 }, span);
            b.graph.nodes[rc.index()].name = b.graph.node(c).name.clone();
            set_active(active, rc, is_active(active, c));
            subst.insert(c, rc);
            out.push((o, rc));
            recalls.push(rc);
        }
        body.nodes.splice(pos..pos + 1, recalls);
    }
    substitute(b.graph, body, &subst);
    out
}

/// Under `#[differentiable(record)]`: the values of the costly primitives
/// ([`crate::rules::Prim::is_costly`]: `exp`, `ln`, `sin`, …) at the top
/// level of the body of loop `n` (`l`), which the reverse body `body`
/// recomputes (their copies, through `remap`), become recalls of what the
/// forward loop records at the end of each iteration. Memory: one float per
/// such value that the reverse sweep reads, per iteration, on the loop's
/// tape (sized once per call). Values inside an `if` of the body are
/// recomputed as before. Returns each original with its recall.
fn recorded_values(
    b: &mut Builder<'_>,
    n: NodeId,
    l: &Loop,
    remap: &HashMap<NodeId, NodeId>,
    body: &mut crate::ir::Block,
    active: &mut Vec<bool>,
) -> Vec<(NodeId, NodeId)> {
    let at: HashMap<NodeId, usize> = body
        .nodes
        .iter()
        .enumerate()
        .map(|(k, &x)| (x, k))
        .collect();
    let mut out = Vec::new();
    let mut subst = HashMap::new();
    for &orig in &l.body.nodes {
        let (Op::Prim(p, _), Some(&copy)) = (b.graph.op(orig), remap.get(&orig)) else {
            continue;
        };
        let Some(&pos) = at.get(&copy).filter(|_| p.is_costly()) else {
            continue;
        };
        let span = b.graph.node(copy).span;
        let rc = b.graph.add(Op::Recall { of: n, slot: 0 }, span);
        b.graph.nodes[rc.index()].name = b.graph.node(copy).name.clone();
        set_active(active, rc, is_active(active, copy));
        subst.insert(copy, rc);
        body.nodes[pos] = rc;
        out.push((orig, rc));
    }
    substitute(b.graph, body, &subst);
    out
}

/// Whether an adjoint `seeds` flowing into loop `n` (`l`) depends on the
/// loop's results (`d_s = 1/s` after `s += exp(x_i)`): then the reverse
/// loop cannot join the forward loop ([`crate::simplify`]'s fusion) and a
/// value it recomputes costs a second call. Walks the seeds' operands with
/// an explicit stack, each node once, skipping nodes numbered before the
/// loop's results (a node is numbered after its operands; a node the walk
/// misses only makes the answer `false`: the values are then recomputed).
fn reads_results(g: &Graph, seeds: &[Option<NodeId>], n: NodeId, l: &Loop) -> bool {
    let outs: HashSet<NodeId> = l.carried.iter().map(|c| c.out).chain([n]).collect();
    let first = outs.iter().copied().min().unwrap_or(n);
    let mut seen = HashSet::new();
    let mut stack: Vec<NodeId> = seeds.iter().flatten().copied().collect();
    while let Some(x) = stack.pop() {
        if outs.contains(&x) {
            return true;
        }
        if x < first || !seen.insert(x) {
            continue;
        }
        let op = g.op(x);
        if let Op::Result(r) = op {
            stack.push(*r);
        }
        stack.extend(op.args());
        stack.extend(crate::ir::walk::region_reads(op));
        for block in crate::ir::walk::regions(op) {
            stack.extend(block.nodes.iter().copied());
        }
    }
    false
}

/// Moves the tapes a recomputed copy `copy` (and the loops nested in it)
/// keeps for their reverse loops to the originals they were copied from
/// (`remap`: original to copy), as [`Loop::stacked`] tapes, and points the
/// reverse loops in `body` and their recalls at the originals; `false` (nothing
/// changed) when an iteration of the copy costs O(1), or when a tape cannot
/// move: an index tape, an undo log, a `while` test, a recorded value that
/// is not a copy. Memory: the original keeps, per run of the enclosing
/// loop, every iteration of each of its runs, instead of one run's.
fn stack_tapes(
    g: &mut Graph,
    copy: NodeId,
    remap: &HashMap<NodeId, NodeId>,
    body: &crate::ir::Block,
) -> bool {
    let Op::Loop(lc) = g.op(copy) else {
        return false;
    };
    if !lc.body.nodes.iter().any(|&x| runs_loop(g, x)) {
        return false;
    }
    let back: HashMap<NodeId, NodeId> = remap.iter().map(|(&o, &c)| (c, o)).collect();
    // every recording loop in the copy, with its original and recorded values
    let mut moves = Vec::new();
    let mut stack = vec![copy];
    while let Some(x) = stack.pop() {
        let op = g.op(x);
        if let Op::Loop(lx) = op {
            if !lx.record.is_empty() {
                let Some(&o) = back.get(&x) else { return false };
                let rec: Option<Vec<NodeId>> =
                    lx.record.iter().map(|r| back.get(r).copied()).collect();
                let ok = lx.test.is_none() && lx.record_int.is_empty() && lx.undo.is_empty();
                match (rec, ok) {
                    (Some(rec), true) => moves.push((x, o, rec)),
                    _ => return false,
                }
            } else if !lx.record_int.is_empty() || !lx.undo.is_empty() {
                return false;
            }
        }
        for r in crate::ir::walk::regions(op) {
            stack.extend(r.nodes.iter().copied());
        }
    }
    let mut redirect = HashMap::new();
    for (x, o, rec) in moves {
        let name = g.node(x).name.clone();
        if let Op::Loop(lo) = &mut g.nodes[o.index()].op {
            lo.record = rec;
            lo.stacked = true;
        }
        g.nodes[o.index()].name = name;
        redirect.insert(x, o);
    }
    // the reverse loops replaying the copies, and their recalls, sit in the
    // reverse body
    substitute(g, body, &redirect);
    true
}

/// Whether node `x` is a loop or holds one: more than O(1) work per run.
fn runs_loop(g: &Graph, x: NodeId) -> bool {
    let mut stack = vec![x];
    while let Some(y) = stack.pop() {
        let op = g.op(y);
        if matches!(op, Op::Loop(_)) {
            return true;
        }
        for r in crate::ir::walk::regions(op) {
            stack.extend(r.nodes.iter().copied());
        }
    }
    false
}

/// A new result node of loop `r` named like `like` (as its adjoint `d_…` if `adjoint`).
fn result_like(g: &mut Graph, r: NodeId, like: NodeId, adjoint: bool) -> NodeId {
    let span = g.node(like).span;
    let x = g.add(Op::Result(r), span);
    g.nodes[x.index()].name = g.node(like).name.clone();
    g.nodes[x.index()].adjoint = adjoint;
    x
}

/// The indices a range loop that a test may end early ran, the other way:
/// `(start, end, inclusive, rev)` of the reverse loop. Forwards it ran
/// `start, start + 1, …` (`trips` of them), backwards `last, last − 1, …`.
fn undone_range(b: &mut Builder<'_>, l: &Loop, trips: NodeId) -> (NodeId, NodeId, bool, bool) {
    use crate::ir::IntOp;
    if !l.rev {
        let end = match b.graph.op(l.start) {
            Op::IConst(0) => trips,
            _ => b.push(Op::IArith(IntOp::Add, l.start, trips)),
        };
        return (l.start, end, false, true);
    }
    // from `last + 1 − trips` up to `last`
    let past = if l.inclusive {
        let one = b.push(Op::IConst(1));
        b.push(Op::IArith(IntOp::Add, l.end, one))
    } else {
        l.end
    };
    let start = b.push(Op::IArith(IntOp::Sub, past, trips));
    (start, past, false, false)
}
