//! Simplify: constant folding, algebraic identities, common subexpression
//! elimination and dead code elimination, run to a fixed point.
//!
//! Every rewrite preserves values exactly in IEEE arithmetic, the sign of a
//! zero included: `x − 0 → x` and `x + (−0) → x` fold, `x + 0` does not
//! (it turns `−0` into `+0`), and `x·0` is never folded, since `x` may be
//! infinite or NaN. Zero adjoints never need folding: the reverse sweep leaves them
//! out instead of adding zeros.

mod carry_stores;
mod cse;
mod dce;
mod fold;
mod fuse;
mod key;
mod same_loops;
mod share_branches;
mod stores;

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

use crate::ir::{Graph, NodeId};

pub use share_branches::share_branches;

/// The most rounds the fixed-point driver runs; each round only shrinks the
/// graph, so this bound is never reached in practice.
const MAX_ROUNDS: usize = 32;

/// Simplifies the graph in place until nothing changes.
pub fn simplify(g: &mut Graph) {
    for _ in 0..MAX_ROUNDS {
        let folded = fold::fold(g);
        let merged = cse::cse(g) | same_loops::merge_equal_loops(g);
        let removed = dce::dce(g);
        let fused = fuse::fuse(g);
        let stored = stores::merge_stores(g) | carry_stores::carry_stores(g);
        if !(folded || merged || removed || fused || stored) {
            return;
        }
    }
}

/// The hasher of the passes' maps, keyed by node ids and small
/// [`key::Key`]s: foldhash's fast hash, several times cheaper than std's
/// SipHash on such keys (there is no untrusted input to defend against
/// hash flooding: the keys come from the user's own function), with a
/// fixed seed, so the same input takes the same path on every run.
pub(crate) type Fast = foldhash::fast::FixedState;

/// A hash map with the [`Fast`] hasher; make one with `default()`.
pub(crate) type FastMap<K, V> = HashMap<K, V, Fast>;

/// A hash set with the [`Fast`] hasher; make one with `default()`.
pub(crate) type FastSet<K> = HashSet<K, Fast>;

/// Replaces references through `map`, following chains.
pub(crate) fn resolve<S: BuildHasher>(map: &HashMap<NodeId, NodeId, S>, mut n: NodeId) -> NodeId {
    while let Some(&m) = map.get(&n) {
        if m == n {
            break;
        }
        n = m;
    }
    n
}

/// Rewrites the graph's outputs through `map`.
pub(crate) fn remap_outputs<S: BuildHasher>(g: &mut Graph, map: &HashMap<NodeId, NodeId, S>) {
    g.value = resolve(map, g.value);
    for n in g.outs.iter_mut().chain(g.extra.iter_mut()) {
        *n = resolve(map, *n);
    }
    for grad in &mut g.grads {
        for n in grad.iter_mut() {
            *n = resolve(map, *n);
        }
    }
}
