//! Simplify: constant folding, algebraic identities, common subexpression
//! elimination and dead code elimination, run to a fixed point.
//!
//! Every rewrite preserves values exactly (IEEE arithmetic, up to the sign
//! of a zero: `x + 0 → x`); `x·0` is *not* folded, since `x` may be infinite
//! or NaN. Zero adjoints never need folding: the reverse sweep leaves them
//! out instead of adding zeros.

mod cse;
mod dce;
mod fold;

use std::collections::HashMap;

use crate::ir::{Graph, NodeId};

/// The most rounds the fixed-point driver runs; each round only shrinks the
/// graph, so this bound is never reached in practice.
const MAX_ROUNDS: usize = 32;

/// Simplifies the graph in place until nothing changes.
pub fn simplify(g: &mut Graph) {
    for _ in 0..MAX_ROUNDS {
        let before = fingerprint(g);
        fold::fold(g);
        cse::cse(g);
        dce::dce(g);
        if fingerprint(g) == before {
            return;
        }
    }
}

/// A cheap summary that changes whenever a pass changed something.
fn fingerprint(g: &Graph) -> (usize, String) {
    let dump = crate::ir::dump::dump(g);
    (dump.len(), dump)
}

/// Replaces references through `map`, following chains.
pub(crate) fn resolve(map: &HashMap<NodeId, NodeId>, mut n: NodeId) -> NodeId {
    while let Some(&m) = map.get(&n) {
        if m == n {
            break;
        }
        n = m;
    }
    n
}

/// Rewrites the graph's outputs through `map`.
pub(crate) fn remap_outputs(g: &mut Graph, map: &HashMap<NodeId, NodeId>) {
    g.value = resolve(map, g.value);
    for grad in &mut g.grads {
        for n in grad.iter_mut() {
            *n = resolve(map, *n);
        }
    }
}
