//! Property tests: random `#[grad]` functions through the whole pipeline.
//!
//! Each case generates a function (see `common/gen.rs`: expression trees of
//! depth ≥ 6 over 2–4 parameters, arrays and `#[nograd]` among them, every
//! operation of the rules table, shared `let`s, reassignment, `if`, `for`),
//! runs `pipeline` on it, and checks at a point away from kinks:
//!
//! - (a) the reverse gradient (`eval_outputs` on the differentiated,
//!   simplified graph) equals the forward-mode gradient of the lowered graph
//!   computed with dual numbers (`common/dual.rs`), element by element;
//! - (b) the value output equals the lowered graph's value;
//! - (c) `simplify` preserves every output of a differentiated but
//!   unsimplified graph;
//! - (d) `simplify` is idempotent: a second run leaves the dump unchanged.
//!
//! Shrunk failures are kept by proptest in `proptest-regressions/` and, once
//! understood, as plain tests at the bottom of this file.

mod common;

use common::dual::{Dual, KinkWatch};
use common::gen::{self, Profile, Program};
use macrograd_codegen::ir::dump::dump;
use macrograd_codegen::ir::eval::{eval_outputs, Scalar};
use macrograd_codegen::ir::{Graph, NodeId, Op, Prim};
use macrograd_codegen::{diff, pipeline, simplify};
use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, TestCaseError};
use std::collections::{BTreeSet, HashMap};

/// Gradient tolerance: relative, mixed with the same absolute tolerance.
const GRAD_TOL: f64 = 1e-9;
/// Value tolerance (relative), for (b) and (c).
const VALUE_TOL: f64 = 1e-12;
/// A point whose evaluation comes closer than this (relatively) to a kink
/// is not used.
const KINK_MARGIN: f64 = 1e-8;

fn grad_close(a: f64, b: f64) -> bool {
    (a - b).abs() <= GRAD_TOL * (1.0 + a.abs().max(b.abs()))
}

fn value_close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= VALUE_TOL * a.abs().max(b.abs())
}

/// The arguments for a program: parameter elements taken in order from the
/// pool, shifted (and wrapped into [−2, 2]) for a retry away from a kink.
fn args_of(p: &Program, pool: &[f64], attempt: usize) -> Vec<Vec<f64>> {
    let mut k = 0;
    p.params
        .iter()
        .map(|param| {
            (0..param.len.unwrap_or(1))
                .map(|_| {
                    let x = pool[k % pool.len()];
                    k += 1;
                    let s = x + 2.0 + 0.618_034 * (attempt * k) as f64;
                    s.rem_euclid(4.0) - 2.0
                })
                .collect()
        })
        .collect()
}

/// The value and the forward-mode gradient of `g`'s value: one dual run per
/// differentiable parameter element, in the order of [`Graph::grads`].
fn dual_gradient(g: &Graph, args: &[Vec<f64>]) -> (f64, Vec<f64>) {
    let base: Vec<Vec<Dual>> = args
        .iter()
        .map(|a| a.iter().map(|&x| Dual::from_f64(x)).collect())
        .collect();
    let mut value = eval_outputs(g, &base).expect("no calls in generated bodies")[0].v;
    let mut grad = Vec::new();
    for (k, p) in g.params.iter().enumerate() {
        if !p.diff {
            continue;
        }
        for i in 0..g.param_len(k) {
            let mut seeded = base.clone();
            seeded[k][i].d = 1.0;
            let out = eval_outputs(g, &seeded).expect("no calls in generated bodies")[0];
            value = out.v;
            grad.push(out.d);
        }
    }
    (value, grad)
}

/// Checks (a)–(d) on one program at one point of the pool.
fn check(p: &Program, pool: &[f64]) -> Result<(), TestCaseError> {
    let src = &p.source;
    let tokens: proc_macro2::TokenStream = src
        .parse()
        .map_err(|e| TestCaseError::fail(format!("generated source does not lex: {e}\n{src}")))?;
    let st = pipeline(tokens).map_err(|e| {
        TestCaseError::fail(format!("pipeline rejected a generated body: {e}\n{src}"))
    })?;

    // a point where no kink is within reach of rounding
    let mut chosen = None;
    for attempt in 0..4 {
        let args = args_of(p, pool, attempt);
        KinkWatch::reset();
        let fwd = dual_gradient(&st.lowered, &args);
        if KinkWatch::nearest() >= KINK_MARGIN {
            chosen = Some((args, fwd));
            break;
        }
    }
    let Some((args, (dual_value, dual_grad))) = chosen else {
        return Err(TestCaseError::reject("every candidate point is at a kink"));
    };
    let at = format!("{src}at {args:?}");

    let lowered = eval_outputs(&st.lowered, &args).expect("no calls")[0];
    prop_assert!(
        lowered.is_finite(),
        "generated value is not finite: {lowered}\n{at}"
    );
    prop_assert!(
        dual_value.to_bits() == lowered.to_bits(),
        "oracle: the dual run computed another value ({dual_value} vs {lowered})\n{at}"
    );
    prop_assert!(
        dual_grad.iter().all(|d| d.is_finite()),
        "generated gradient is not finite: {dual_grad:?}\n{at}"
    );

    // (c) first, on the differentiated but unsimplified graph; it also tells
    // whether a gradient mismatch comes from `diff` or from `simplify`
    let mut raw = st.lowered.clone();
    diff::differentiate(&mut raw);
    let before = eval_outputs(&raw, &args).expect("no calls");
    let mut simp = raw.clone();
    simplify::simplify(&mut simp);
    let after = eval_outputs(&simp, &args).expect("no calls");
    let raw_ok = before[1..]
        .iter()
        .zip(&dual_grad)
        .all(|(r, f)| grad_close(*r, *f));

    // (b) and (a) on what `pipeline` returns
    let rev = eval_outputs(&st.gradient, &args).expect("no calls");
    prop_assert!(
        value_close(rev[0], lowered),
        "(b) value: gradient graph gives {}, lowered graph {lowered}\n{at}",
        rev[0]
    );
    prop_assert_eq!(
        rev.len() - 1,
        dual_grad.len(),
        "(a) number of gradient elements\n{}",
        at
    );
    for (k, (r, f)) in rev[1..].iter().zip(&dual_grad).enumerate() {
        prop_assert!(
            grad_close(*r, *f),
            "(a) gradient element {k}: reverse {r:e}, forward (dual) {f:e}; \
             before simplify the reverse gradient {}\nreverse {:?}\nforward {:?}\nbefore simplify {:?}\n{at}",
            if raw_ok { "matched (so `simplify` broke it)" } else { "was already wrong (so `diff` is at fault)" },
            &rev[1..],
            dual_grad,
            &before[1..],
        );
    }

    prop_assert_eq!(before.len(), after.len());
    for (k, (b, a)) in before.iter().zip(&after).enumerate() {
        prop_assert!(
            value_close(*b, *a),
            "(c) output {k} changed under simplify: {b:e} before, {a:e} after\n{at}"
        );
    }

    // (d) a second simplify changes nothing
    let once = dump(&simp);
    let mut twice = simp.clone();
    simplify::simplify(&mut twice);
    let again = dump(&twice);
    prop_assert!(
        once == again,
        "(d) simplify is not idempotent\nonce:\n{once}\ntwice:\n{again}\n{src}"
    );
    Ok(())
}

fn choices() -> impl Strategy<Value = Vec<u32>> {
    proptest::collection::vec(any::<u32>(), 0..1200)
}

fn points() -> impl Strategy<Value = [f64; 16]> {
    proptest::array::uniform16(-2.0f64..2.0)
}

/// `cases` per test, unless `PROPTEST_CASES` says otherwise.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        max_global_rejects: cases,
        max_shrink_iters: 20_000,
        // relative to the package: macros/codegen/proptest-regressions/
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/prop_pipeline.txt",
        ))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(5_000))]

    /// (a)–(d) on deep expression trees over `let` chains.
    #[test]
    fn expression_bodies(raw in choices(), pool in points()) {
        check(&gen::generate(&raw, Profile::EXPRESSIONS), &pool)?;
    }
}

proptest! {
    #![proptest_config(config(5_000))]

    /// (a)–(d) on bodies heavy in `if`, `for`, arrays and reassignment.
    #[test]
    fn control_flow_bodies(raw in choices(), pool in points()) {
        check(&gen::generate(&raw, Profile::CONTROL), &pool)?;
    }
}

// ---- the generator and the oracle, checked ----

/// A fixed sequence of choice streams (xorshift), for deterministic tests.
fn streams(n: usize) -> impl Iterator<Item = Vec<u32>> {
    let mut s = 0x9E37_79B9_7F4A_7C15_u64;
    (0..n).map(move |_| {
        (0..1200)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 32) as u32
            })
            .collect()
    })
}

/// Longest chain of arithmetic (primitive, `powi`, `select`) from the
/// parameters to `n`, following `if` results into their branches.
fn depth(
    g: &Graph,
    n: NodeId,
    memo: &mut HashMap<NodeId, usize>,
    results: &HashMap<NodeId, (NodeId, NodeId)>,
) -> usize {
    if let Some(&d) = memo.get(&n) {
        return d;
    }
    let d = match g.op(n) {
        Op::Prim(_, args) => {
            1 + args
                .iter()
                .map(|&a| depth(g, a, memo, results))
                .max()
                .unwrap_or(0)
        }
        Op::Powi(a, _) => 1 + depth(g, *a, memo, results),
        Op::Result(_) => match results.get(&n) {
            Some(&(t, e)) => depth(g, t, memo, results).max(depth(g, e, memo, results)),
            None => 0,
        },
        _ => 0,
    };
    memo.insert(n, d);
    d
}

/// The generator's promises: every generated function is accepted by the
/// pipeline, its final expression is at least 6 operations deep, and over a
/// few hundred functions every operation of the rules table, `powi`, run-time
/// `if`, every comparison and `&&`/`||`/`!`, array and `#[nograd]`
/// parameters all occur.
#[test]
fn generator_covers_every_operation() {
    let mut prims = BTreeSet::new();
    let mut other = BTreeSet::new();
    for (k, raw) in streams(400).enumerate() {
        let profile = if k % 2 == 0 {
            Profile::EXPRESSIONS
        } else {
            Profile::CONTROL
        };
        let p = gen::generate(&raw, profile);
        let st = pipeline(p.source.parse().expect("lexes"))
            .unwrap_or_else(|e| panic!("rejected: {e}\n{}", p.source));
        let g = &st.lowered;
        let mut results = HashMap::new();
        for node in &g.nodes {
            match &node.op {
                Op::Prim(prim, _) => {
                    prims.insert(*prim);
                }
                Op::Powi(..) => {
                    other.insert("powi".to_string());
                }
                Op::If(i) => {
                    other.insert("if".to_string());
                    for &(t, e, r) in &i.outs {
                        results.insert(r, (t, e));
                    }
                }
                Op::Cmp(c, ..) => {
                    other.insert(format!("cmp {}", c.symbol()));
                }
                Op::And(..) => {
                    other.insert("&&".to_string());
                }
                Op::Or(..) => {
                    other.insert("||".to_string());
                }
                Op::Not(..) => {
                    other.insert("!".to_string());
                }
                _ => {}
            }
        }
        for param in &g.params {
            if param.len.is_some() {
                other.insert("array param".to_string());
            }
            if !param.diff {
                other.insert("nograd param".to_string());
            }
        }
        let d = depth(g, g.value, &mut HashMap::new(), &results);
        assert!(d >= 6, "depth {d} < 6:\n{}", p.source);
    }
    let missing: Vec<Prim> = Prim::ALL
        .iter()
        .copied()
        .filter(|p| !prims.contains(p) && *p != Prim::GeluDerivative)
        .collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
    for want in [
        "powi",
        "if",
        "&&",
        "||",
        "!",
        "cmp <",
        "cmp <=",
        "cmp >",
        "cmp >=",
        "cmp ==",
        "cmp !=",
        "array param",
        "nograd param",
    ] {
        assert!(other.contains(want), "never generated: {want}");
    }
}

#[test]
#[ignore = "stats"]
fn zz_stats() {
    let pool = [
        0.3, -1.2, 0.7, 1.9, -0.4, 1.1, 0.2, -1.7, 0.9, -0.6, 1.4, -1.9, 0.1, 0.5, -0.8, 1.6,
    ];
    let (
        mut n,
        mut ifs,
        mut rejected,
        mut elems,
        mut nonzero,
        mut big,
        mut nodes,
        mut gnodes,
        mut maxerr,
    ) = (0usize, 0usize, 0, 0, 0, 0, 0, 0, 0.0f64);
    let mut maxg = 0.0f64;
    let mut retried = 0;
    let mut zshow = 0;
    for (k, raw) in streams(2000).enumerate() {
        let profile = if k % 2 == 0 {
            Profile::EXPRESSIONS
        } else {
            Profile::CONTROL
        };
        let p = gen::generate(&raw, profile);
        let st = pipeline(p.source.parse().unwrap()).unwrap();
        let mut chosen = None;
        for attempt in 0..4 {
            let args = args_of(&p, &pool, attempt);
            KinkWatch::reset();
            let fwd = dual_gradient(&st.lowered, &args);
            if KinkWatch::nearest() >= KINK_MARGIN {
                chosen = Some((args, fwd));
                if attempt > 0 {
                    retried += 1;
                }
                break;
            }
        }
        n += 1;
        let Some((args, (_, g))) = chosen else {
            rejected += 1;
            println!("REJECT\n{}", p.source);
            continue;
        };
        let rev = eval_outputs(&st.gradient, &args).unwrap();
        if g.iter().any(|f| *f == 0.0) && zshow < 4 {
            zshow += 1;
            println!("ZERO {g:?} at {args:?}\n{}", p.source);
        }
        for (r, f) in rev[1..].iter().zip(&g) {
            elems += 1;
            if f.abs() > 1e-6 {
                nonzero += 1;
            } else if *f == 0.0 {
                ifs += 100000;
            }
            if f.abs() > 1e3 {
                big += 1;
            }
            maxg = maxg.max(f.abs());
            maxerr = maxerr.max((r - f).abs() / (1.0 + r.abs().max(f.abs())));
        }
        nodes += st.lowered.nodes.len();
        gnodes += st.gradient.nodes.len();
        if st.lowered.nodes.iter().any(|n| matches!(n.op, Op::If(_))) {
            ifs += 1;
        }
    }
    println!("cases {n} rejected {rejected} retried {retried} elems {elems} nonzero {nonzero} big {big} maxg {maxg:e} max rel err {maxerr:e} avg lowered nodes {} avg grad-graph nodes {} with runtime if {ifs}", nodes / n, gnodes / n);
}

#[test]
fn zz_scratch_signed_zero() {
    for src in [
        "fn f(x: f64) -> f64 { (x * 0.0 + 0.0).signum() }",
        "fn f(x: f64) -> f64 { (0.0 - x * 0.0).signum() }",
        "fn f(x: f64) -> f64 { x + 1.0 / (x * 0.0 + 0.0) }",
    ] {
        let st = pipeline(src.parse().unwrap()).unwrap();
        let args = [vec![-1.0]];
        let lo = eval_outputs(&st.lowered, &args).unwrap();
        let gr = eval_outputs(&st.gradient, &args).unwrap();
        println!(
            "{src}: lowered {lo:?} gradient graph {gr:?}\n{}",
            dump(&st.gradient)
        );
    }
}
