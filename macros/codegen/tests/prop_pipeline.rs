//! Property tests: random `#[differentiable]` functions through the whole pipeline.
//!
//! Each case generates a function (`common/gen/`: expression trees of depth
//! ≥ 6 over 2–4 parameters, arrays and `#[nograd]` among them, every
//! operation of the rules table, shared `let`s, reassignment and compound
//! assignment, `if` on `&&`/`||`/`!` of comparisons, `for` loops; in
//! run-time loops `if c { break; }` / `if c { continue; }` on values,
//! `loop` and `while` bounded by a `usize` counter, `Vec` buffers written by
//! run-time index; a struct parameter (sometimes `#[nograd]`) read by field, struct values built
//! and read back, tuples taken apart, helpers returning a tuple, an array
//! or a struct, helpers taking a struct whole), runs
//! `pipeline` on it, picks a point in [−2, 2]ⁿ that no kink is near, and
//! checks:
//!
//! - (a) the gradient (`eval_outputs` on `Stages::gradient`) equals
//!   the forward-mode gradient of `Stages::lowered` computed with dual
//!   numbers (`common/dual.rs`), every element, to 1e-9 relative mixed with
//!   1e-9 absolute;
//! - (b) the value output equals the lowered graph's value (exactly or to
//!   1e-12 relative);
//! - (c) `simplify` preserves every output (value and gradient) of a
//!   differentiated but unsimplified graph, to the same tolerance;
//! - (d) `simplify` is idempotent: a second run leaves the dump unchanged
//!   (and the first gives exactly the graph `pipeline` returned);
//! - (e) both differentiation modes agree with the oracle, whichever one
//!   `pipeline` chose (forward for one differentiable scalar, reverse
//!   otherwise): the reverse sweep, and forward mode with respect to each
//!   element in turn, before and after `simplify`.
//!
//! 10,100 cases per run: 3,500 expression bodies, 3,500 control-flow bodies,
//! 1,000 bodies over slices, 600 bodies over a struct parameter (struct
//! values, tuples, calls of helpers returning a tuple, an array or a
//! struct; each costs about three expression bodies, so the run takes
//! the time the 11,000 cases before it took) and 1,500 bodies of one
//! differentiable scalar
//! (`PROPTEST_CASES=n` sets the count per property test), from a fixed seed so that every run checks the same cases
//! (`PROPTEST_RNG_SEED=random` explores new ones). Shrunk failures are kept by proptest in
//! `proptest-regressions/prop_pipeline.txt` and, once understood, as plain
//! tests at the bottom of this file.

mod common;

use common::callees::helpers;
use common::dual::{Dual, KinkWatch};
use common::gen::{self, Profile, Program};
use macrograd_codegen::ir::dump::dump;
use macrograd_codegen::ir::eval::{eval_outputs, eval_outputs_with, Scalar};
use macrograd_codegen::ir::{CallArg, Graph, NodeId, Op, Prim};
use macrograd_codegen::{diff, pipeline, simplify};
use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, RngSeed, TestCaseError};
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

/// The outputs of `g` (see `eval_outputs`), with the helpers generated
/// programs call interpreted (`common/callees.rs`).
fn outputs<T: Scalar>(g: &Graph, args: &[Vec<T>]) -> Vec<T> {
    eval_outputs_with(g, args, helpers()).expect("generated bodies call only the helpers")
}

/// The number of elements of each parameter: a struct's are the fields
/// its body reads, in the order `lowered` lists them, and, when the body
/// passes a struct whole to a helper, the other floats of `S` after them
/// (the interpreter needs every float of the value passed).
fn lens_of(p: &Program, lowered: &Graph) -> Vec<usize> {
    let whole = lowered.nodes.iter().any(|n| match &n.op {
        Op::Call(c) => c.args.iter().any(|a| matches!(a, CallArg::Struct(_))),
        _ => false,
    });
    p.params
        .iter()
        .zip(&lowered.params)
        .map(|(spec, param)| match spec.strukt {
            true if whole => S_FLOATS.max(param.len.unwrap_or(0)),
            true => param.len.unwrap_or(0),
            false => spec.len.unwrap_or(1),
        })
        .collect()
}

/// The floats of `S` (`p`, `q`, `v[0..3]`, `inner.a`, `inner.b`).
const S_FLOATS: usize = 7;

/// The arguments for a program whose parameters have `lens` elements:
/// taken in order from the pool, shifted (and wrapped into [−2, 2]) for a
/// retry away from a kink.
fn args_of(lens: &[usize], pool: &[f64], attempt: usize) -> Vec<Vec<f64>> {
    let mut k = 0;
    lens.iter()
        .map(|&len| {
            (0..len)
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
    let mut value = None;
    let mut grad = Vec::new();
    for (k, p) in g.params.iter().enumerate() {
        if !p.diff {
            continue;
        }
        for i in 0..args[k].len() {
            let mut seeded = base.clone();
            seeded[k][i].d = 1.0;
            let out = outputs(g, &seeded)[0];
            value = Some(out.v);
            grad.push(out.d);
        }
    }
    let value = value.unwrap_or_else(|| outputs(g, &base)[0].v);
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
    let lens = lens_of(p, &st.lowered);
    let mut chosen = None;
    for attempt in 0..4 {
        let args = args_of(&lens, pool, attempt);
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

    let lowered = outputs(&st.lowered, &args)[0];
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
    let before = outputs(&raw, &args);
    let mut simp = raw.clone();
    simplify::simplify(&mut simp);
    let after = outputs(&simp, &args);
    let raw_ok = before[1..]
        .iter()
        .zip(&dual_grad)
        .all(|(r, f)| grad_close(*r, *f));

    // (b) and (a) on what `pipeline` returns
    let rev = outputs(&st.gradient, &args);
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

    // (e) both modes on every program, whichever one `pipeline` chose: the
    // reverse sweep, and forward mode with respect to each element (raw, and
    // preserved by `simplify`)
    let mut reverse = st.lowered.clone();
    diff::reverse(&mut reverse);
    let reverse = outputs(&reverse, &args);
    let mut k = 0;
    let diff_params = st.lowered.params.iter().enumerate().filter(|(_, p)| p.diff);
    for (param, p) in diff_params {
        for i in 0..args[param].len() {
            let (r, f) = (reverse[1 + k], dual_grad[k]);
            prop_assert!(
                grad_close(r, f),
                "(e) reverse mode, element {k}: {r:e}, forward (dual) {f:e}\n{at}"
            );
            // a slice's gradient is a buffer: reverse mode only; a struct
            // passed whole is differentiated in reverse mode only (the
            // pipeline never sweeps it forward), and the floats past the
            // fields the body reads have no forward seed
            if p.slice.is_some() || st.lowered.struct_calls || i >= p.len.unwrap_or(1) {
                k += 1;
                continue;
            }
            let mut tangent = st.lowered.clone();
            diff::forward(&mut tangent, param, p.len.map(|_| i));
            let raw = outputs(&tangent, &args);
            simplify::simplify(&mut tangent);
            let simplified = outputs(&tangent, &args);
            prop_assert!(
                grad_close(raw[1], f),
                "(e) forward mode, element {k}: {:e}, forward (dual) {f:e}\n{at}",
                raw[1]
            );
            prop_assert!(
                value_close(raw[1], simplified[1]),
                "(e) forward mode, element {k}: {:e} changed under simplify to {:e}\n{at}",
                raw[1],
                simplified[1]
            );
            k += 1;
        }
    }

    // (d) a second simplify changes nothing; and the first gave exactly what
    // `pipeline` returned (the stages are deterministic)
    let once = dump(&simp);
    prop_assert!(
        once == dump(&st.gradient),
        "diff + simplify of the same graph gave two different graphs\n{src}"
    );
    let mut twice = simp.clone();
    simplify::simplify(&mut twice);
    let again = dump(&twice);
    prop_assert!(
        once == again,
        "(d) simplify is not idempotent\nonce:\n{once}\ntwice:\n{again}\n{src}"
    );
    Ok(())
}

/// A choice stream. Most programs read 100–600 choices; past the end of
/// the stream every choice is 0, the simplest option.
fn choices() -> impl Strategy<Value = Vec<u32>> {
    proptest::collection::vec(any::<u32>(), 200..1600)
}

fn points() -> impl Strategy<Value = [f64; 16]> {
    proptest::array::uniform16(-2.0f64..2.0)
}

/// The seed of the case generator: fixed, so that a run of the test suite
/// (CI's included) is reproducible; `PROPTEST_RNG_SEED=n` picks another and
/// `PROPTEST_RNG_SEED=random` a fresh one per run, for exploring.
fn rng_seed() -> RngSeed {
    match std::env::var("PROPTEST_RNG_SEED").ok().as_deref() {
        Some("random") => RngSeed::Random,
        Some(n) => RngSeed::Fixed(n.parse().expect("PROPTEST_RNG_SEED: a u64 or `random`")),
        None => RngSeed::Fixed(0x6d61_6372_6f67_7264), // "macrogrd"
    }
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
        rng_seed: rng_seed(),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(3_500))]

    /// (a)–(d) on deep expression trees over `let` chains.
    #[test]
    fn expression_bodies(raw in choices(), pool in points()) {
        check(&gen::generate(&raw, Profile::EXPRESSIONS), &pool)?;
    }
}

proptest! {
    #![proptest_config(config(3_500))]

    /// (a)–(d) on bodies heavy in `if`, `for`, arrays and reassignment.
    #[test]
    fn control_flow_bodies(raw in choices(), pool in points()) {
        check(&gen::generate(&raw, Profile::CONTROL), &pool)?;
    }
}

proptest! {
    #![proptest_config(config(1_000))]

    /// (a)–(e) on bodies over slice parameters: run-time loops (over a
    /// slice, `iter`, `enumerate`, nested, `loop` and `while` with a bounded
    /// counter) with early exits (`break`, `continue` on values), run-time
    /// indices into slices, arrays and `Vec` buffers, reverse mode through
    /// them.
    #[test]
    fn runtime_loop_bodies(raw in choices(), pool in points()) {
        check(&gen::generate(&raw, Profile::RUNTIME), &pool)?;
    }
}

proptest! {
    #![proptest_config(config(600))]

    /// (a)–(e) on bodies over a struct parameter `s: S` (floats, an array,
    /// a nested struct; by value or `&S`; sometimes `#[nograd]`) read by
    /// field, building struct values (`S { p: …, ..s }`, `Inner { a: …,
    /// ..s.inner }`) and reading them back, taking tuples and `sin_cos`
    /// apart, and calling helpers that return a tuple, an array or a struct
    /// (`common/gen/strukt.rs`), bound by a pattern or an annotation, at the
    /// top level and inside branches, unrolled `for` loops and run-time
    /// `loop`/`while` loops; the helpers' calls run through
    /// their own graphs (`common/callees.rs`: the value through the
    /// helper's body, reverse sweeps through its VJP, forward sweeps
    /// through its JVP; a struct passed whole, `h_e(s, e)`, `h_e(&t3, e)`,
    /// `h_in(s.inner, e)`, through the helper's body and VJP, its entry
    /// spread over every float of `S`, forward mode not swept there).
    #[test]
    fn struct_and_tuple_bodies(raw in choices(), pool in points()) {
        check(&gen::generate(&raw, Profile::STRUCTS), &pool)?;
    }
}

proptest! {
    #![proptest_config(config(1_500))]

    /// (a)–(e) on bodies with one differentiable scalar, which `pipeline`
    /// differentiates in forward mode.
    #[test]
    fn single_input_bodies(raw in choices(), pool in points()) {
        let program = gen::generate(&raw, Profile::SINGLE_INPUT);
        let st = pipeline(program.source.parse().expect("lexes")).expect("accepted");
        prop_assert!(st.gradient.wrt.is_some(), "forward mode expected\n{}", program.source);
        check(&program, &pool)?;
    }
}

// ---- the generator and the oracle, checked: see prop_pipeline/generator.rs ----

#[path = "prop_pipeline/generator.rs"]
mod generator;

// ---- codegen bugs found by the properties, as minimal reproductions ----

/// Property (a), a tolerance case rather than a bug: σ′ is computed as
/// σ·(1 − σ), as PyTorch and JAX do. In saturation `1 − σ` keeps only about
/// ε of absolute accuracy, and a large adjoint magnifies that, so the
/// oracle uses the same form (see `common/dual.rs`). This pins the accuracy
/// the form does have: within ε·|adjoint| of the closed form.
#[test]
fn sigmoid_saturation_with_a_large_adjoint() {
    let scale = 1e9;
    let src = "fn f(x: f64) -> f64 { sigmoid(x) * 1e9 }";
    let st = pipeline(src.parse().expect("lexes")).expect("accepted");
    for x in [-18.0_f64, -3.0, 18.0, 25.0] {
        let e = (-x.abs()).exp();
        let exact = scale * e / ((1.0 + e) * (1.0 + e));
        let args = [vec![x]];
        let reverse = eval_outputs(&st.gradient, &args).expect("no calls")[1];
        let (_, forward) = dual_gradient(&st.lowered, &args);
        assert!(
            (reverse - exact).abs() <= 2.0 * f64::EPSILON * scale,
            "engine at {x}: {reverse:e}, closed form {exact:e}"
        );
        assert!(
            grad_close(reverse, forward[0]),
            "oracle at {x}: {forward:?}"
        );
    }
}

/// The value of `f` and the value output of its gradient graph, at `x`.
fn values_at(src: &str, x: f64) -> (f64, f64) {
    let st = pipeline(src.parse().expect("lexes")).expect("accepted");
    let args = [vec![x]];
    let lowered = eval_outputs(&st.lowered, &args).expect("no calls")[0];
    let gradient = eval_outputs(&st.gradient, &args).expect("no calls")[0];
    (lowered, gradient)
}

/// Property (b)/(c): `simplify` folds `a + 0 → a`, which is not exact when
/// `a` is −0.0 (−0 + 0 = +0). `signum` (or a division) turns the sign of
/// that zero into a different value: at x = −1, `f` is 1 but the value
/// output of the gradient graph is −1.
#[test]
fn simplify_add_zero_keeps_the_sign_of_zero() {
    let (f, grad_value) = values_at("fn f(x: f64) -> f64 { (x * 0.0 + 0.0).signum() }", -1.0);
    assert_eq!(f, 1.0);
    assert_eq!(grad_value, f);
}

/// Property (b)/(c): `simplify` folds `0 − a → −a`, which is not exact when
/// `a` is +0.0 (0 − 0 = +0, −(+0) = −0): at x = 1, `f` is 1 but the value
/// output of the gradient graph is −1.
#[test]
fn simplify_zero_minus_keeps_the_sign_of_zero() {
    let (f, grad_value) = values_at("fn f(x: f64) -> f64 { (0.0 - x * 0.0).signum() }", 1.0);
    assert_eq!(f, 1.0);
    assert_eq!(grad_value, f);
}

/// Found by `runtime_loop_bodies` with counted `while` loops: a `while`
/// nested in a loop, whose condition reads a value the outer loop carries
/// but whose results nothing needs. `simplify`'s dead-code pass dropped the
/// outer loop's carried `v` (nothing outside reads the inner loop) but kept
/// the inner loop (its own condition reads `v`), which then read a value no
/// longer defined: the evaluator panicked ("used before it is defined").
#[test]
fn dce_drops_an_unneeded_while_nested_in_a_loop() {
    let src = "fn f(x: f64, y: f64) -> f64 {
        let mut v = x + 0.5;
        let mut n = 0usize;
        while n < 2 {
            n += 1;
            while x < v {
                v = y;
            }
        }
        x * x
    }";
    let st = pipeline(src.parse().expect("lexes")).expect("accepted");
    for (x, y) in [(0.0, -1.0), (1.0, 2.0), (-0.5, 0.25)] {
        let args = [vec![x], vec![y]];
        let out = eval_outputs(&st.gradient, &args).expect("no calls");
        assert_eq!(out, [x * x, 2.0 * x, 0.0], "at x = {x}, y = {y}");
    }
}
