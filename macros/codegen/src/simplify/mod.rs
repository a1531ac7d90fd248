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

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::ir::dump::dump;
    use crate::ir::eval::eval_outputs;

    fn simplified(item: proc_macro2::TokenStream) -> crate::ir::Graph {
        crate::pipeline(item).expect("lowers").gradient
    }

    #[test]
    fn identities_and_constants_fold() {
        let g = simplified(quote! { fn f(x: f64) -> f64 { (x * 1.0 + 0.0) * (2.0 + 3.0) - 0.0 } });
        let text = dump(&g);
        assert!(!text.contains("const 1.0"), "{text}");
        assert!(text.contains("const 5.0"), "{text}");
    }

    #[test]
    fn times_zero_is_not_folded() {
        // x·0 is NaN for infinite x: the simplifier must keep it
        let g = simplified(quote! { fn f(x: f64) -> f64 { x * 0.0 + x } });
        let out = eval_outputs(&g, &[vec![f64::INFINITY]]).unwrap();
        assert!(out[0].is_nan());
    }

    #[test]
    fn common_subexpressions_are_computed_once() {
        let g =
            simplified(quote! { fn f(x: f64, y: f64) -> f64 { (x * y).sin() + (y * x).sin() } });
        let sines = dump(&g).matches("sin ").count();
        assert_eq!(sines, 1, "{}", dump(&g));
    }

    #[test]
    fn constant_products_fold_only_where_exact() {
        // the value output of f, simplified alone (no gradient involved)
        let folded = |body: proc_macro2::TokenStream| {
            let mut g = crate::pipeline(quote! { fn f(x: f64) -> f64 { #body } })
                .expect("lowers")
                .lowered;
            super::simplify(&mut g);
            dump(&g)
        };
        // 3·(2·x) and (2·x)·(−3): an inner power of two ≥ 2, |outer| ≥ 1
        assert!(folded(quote! { 3.0 * (2.0 * x) }).contains("const 6.0"));
        assert!(folded(quote! { (x * 2.0) * -3.0 }).contains("const -6.0"));
        assert!(folded(quote! { 1.5 * (4.0 * x) }).contains("const 6.0"));
        // 2·(100·x) could round differently when 100·x is subnormal
        assert!(!folded(quote! { 2.0 * (100.0 * x) }).contains("const 200.0"));
        // 0.5·(2·x) is finite where 2·x overflows to infinity
        assert!(!folded(quote! { 0.5 * (2.0 * x) }).contains("const 1.0"));
        // 3·(0.5·x) could round 0.5·x in the subnormal range
        assert!(!folded(quote! { 3.0 * (0.5 * x) }).contains("const 1.5"));
    }

    #[test]
    fn constant_product_fold_keeps_overflow_and_subnormals() {
        // at the edges the folded graph computes what the unsimplified one does
        let src = quote! { fn f(x: f64) -> f64 { 3.0 * (2.0 * x) } };
        let lowered = crate::pipeline(src).expect("lowers").lowered;
        let mut g = lowered.clone();
        super::simplify(&mut g);
        assert!(dump(&g).contains("const 6.0"), "{}", dump(&g));
        for x in [
            f64::MAX,
            f64::MAX / 2.5,
            -f64::MAX / 3.0,
            f64::MIN_POSITIVE,
            5e-324,
            -3e-320,
            -0.0,
            f64::INFINITY,
            1.0 / 3.0,
        ] {
            let before = eval_outputs(&lowered, &[vec![x]]).unwrap()[0];
            let after = eval_outputs(&g, &[vec![x]]).unwrap()[0];
            assert_eq!(before.to_bits(), after.to_bits(), "at {x:e}");
        }
    }

    #[test]
    fn a_negation_moves_into_a_constant_exactly() {
        // (−p)·c − k·a and (−m) − k·a: the negation becomes −k
        for body in [
            quote! { (-p) * c - 2.0 * a },
            quote! { c * (-p) - a * 2.0 },
            quote! { -(p * c) - 2.0 * a },
        ] {
            let src = quote! { fn f(p: f64, c: f64, a: f64) -> f64 { #body } };
            let lowered = crate::pipeline(src).expect("lowers").lowered;
            let mut g = lowered.clone();
            super::simplify(&mut g);
            let text = dump(&g);
            assert!(
                text.contains("const -2.0") && !text.contains("neg"),
                "{text}"
            );
            let edges = [0.0, -0.0, 1.5, -3.0, f64::INFINITY, f64::MAX, 5e-324];
            for &p in &edges {
                for &c in &edges {
                    for &a in &edges {
                        let args = [vec![p], vec![c], vec![a]];
                        let before = eval_outputs(&lowered, &args).unwrap()[0];
                        let after = eval_outputs(&g, &args).unwrap()[0];
                        assert!(
                            before.to_bits() == after.to_bits()
                                || (before.is_nan() && after.is_nan()),
                            "{body} at p = {p:e}, c = {c:e}, a = {a:e}: {before:e} vs {after:e}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn dead_code_is_removed() {
        let g = simplified(quote! { fn f(x: f64) -> f64 { let unused = x.exp(); x * 2.0 } });
        assert!(!dump(&g).contains("exp"), "{}", dump(&g));
    }

    #[test]
    fn gradient_size_is_a_small_multiple_of_the_body() {
        // x = x.sin()·x + x.cos() thirty times: naive symbolic
        // differentiation doubles the expression at every level
        let mut body = quote! { let mut x = x0; };
        for _ in 0..30 {
            body.extend(quote! { x = x.sin() * x + x.cos(); });
        }
        let st = crate::pipeline(quote! { fn f(x0: f64) -> f64 { #body x } }).unwrap();
        let forward = st.lowered.body.nodes.len();
        let total = st.gradient.body.nodes.len();
        assert!(
            total <= 4 * forward,
            "forward {forward} nodes, with gradient {total}"
        );
    }

    #[test]
    fn simplify_is_idempotent_on_a_branchy_function() {
        let mut g = simplified(quote! {
            fn f(x: f64, y: f64) -> f64 { let z = x * y; if z > 1.0 { z.ln() * x } else { z.max(y) } }
        });
        let once = dump(&g);
        super::simplify(&mut g);
        assert_eq!(once, dump(&g));
    }
}
