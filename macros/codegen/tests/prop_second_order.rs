//! Property tests of the derived graphs (`diff::higher`) on random bodies
//! (`common/gen/`, the generator of `prop_pipeline.rs`), at a point no
//! kink is near:
//!
//! - (h) the Hessian graph, before and after `simplify`, equals the
//!   dual-number derivative (`common/dual.rs`, an interpreter run
//!   independent of the forward sweep under test) of the reverse-mode
//!   gradient graph, every entry, to 1e-8 mixed; and it is symmetric to the
//!   same tolerance (each entry is computed by its own sweep);
//! - (v) the HVP graph gives `H·v` for a direction `v` from the pool;
//! - (j) the JVP graph gives `∇f·v`, with the gradient from dual numbers of
//!   the lowered graph.
//!
//! Bodies with what the derived functions do not support yet (run-time
//! loops, calls) are skipped. 1,200 cases per run from a fixed seed
//! (`PROPTEST_CASES=n` sets the count per test).

#[allow(dead_code)] // the generator's run-time-loop profiles are not used here
mod common;

use common::dual::{Dual, KinkWatch};
use common::gen::{self, Profile, Program};
use macrograd_codegen::diff::higher;
use macrograd_codegen::ir::eval::{eval_outputs, Scalar};
use macrograd_codegen::ir::Graph;
use macrograd_codegen::{diff, pipeline, simplify};
use proptest::prelude::*;
use proptest::test_runner::{RngSeed, TestCaseError};

/// Second-derivative tolerance, relative mixed with absolute.
const TOL: f64 = 1e-8;
/// A point whose evaluation comes closer than this to a kink is not used.
const KINK_MARGIN: f64 = 1e-8;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOL * (1.0 + a.abs().max(b.abs()))
}

/// Parameter values from the pool, shifted (wrapped into [−2, 2]) per attempt.
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

/// The differentiable elements as (parameter, element) pairs.
fn elements(g: &Graph) -> Vec<(usize, usize)> {
    g.params
        .iter()
        .enumerate()
        .filter(|(_, p)| p.diff)
        .flat_map(|(k, p)| (0..p.len.unwrap_or(1)).map(move |i| (k, i)))
        .collect()
}

/// Column `j` of the Jacobian of `g`'s outputs by a dual run seeded on
/// element `j`: the derivative of every output.
fn dual_column(g: &Graph, args: &[Vec<f64>], (k, i): (usize, usize)) -> Vec<f64> {
    let mut seeded: Vec<Vec<Dual>> = args
        .iter()
        .map(|a| a.iter().map(|&x| Dual::from_f64(x)).collect())
        .collect();
    seeded[k][i].d = 1.0;
    eval_outputs(g, &seeded)
        .expect("no calls")
        .iter()
        .map(|o| o.d)
        .collect()
}

fn check(p: &Program, pool: &[f64]) -> Result<(), TestCaseError> {
    let src = &p.source;
    let st = pipeline(src.parse().expect("generated source lexes"))
        .map_err(|e| TestCaseError::fail(format!("pipeline rejected: {e}\n{src}")))?;
    if higher::unsupported(&st.lowered, Some("hessian")).is_some() {
        return Err(TestCaseError::reject("run-time loop or call"));
    }
    let mut gradient = st.lowered.clone();
    diff::reverse(&mut gradient);
    let xs = elements(&st.lowered);
    let n = xs.len();

    // a point where no kink is within reach of rounding, and the oracle
    let mut chosen = None;
    for attempt in 0..4 {
        let args = args_of(p, pool, attempt);
        KinkWatch::reset();
        let columns: Vec<Vec<f64>> = xs
            .iter()
            .map(|&e| dual_column(&gradient, &args, e))
            .collect();
        let first: Vec<Vec<f64>> = xs
            .iter()
            .map(|&e| dual_column(&st.lowered, &args, e))
            .collect();
        if KinkWatch::nearest() >= KINK_MARGIN {
            chosen = Some((args, columns, first));
            break;
        }
    }
    let Some((args, columns, first)) = chosen else {
        return Err(TestCaseError::reject("every candidate point is at a kink"));
    };
    let at = format!("{src}at {args:?}");
    // H[r][c] = ∂(gradient r)/∂x_c: output 1 + r of the gradient graph, column c
    let oracle = |r: usize, c: usize| columns[c][1 + r];
    if (0..n).any(|r| (0..n).any(|c| !oracle(r, c).is_finite())) {
        return Err(TestCaseError::reject("second derivative not finite"));
    }

    // (h) the Hessian, raw and simplified
    let mut h = st.lowered.clone();
    higher::hessian(&mut h);
    let raw = eval_outputs(&h, &args).expect("no calls");
    simplify::simplify(&mut h);
    let simp = eval_outputs(&h, &args).expect("no calls");
    for (name, out) in [("raw", &raw), ("simplified", &simp)] {
        let hess = &out[1 + n..];
        prop_assert_eq!(hess.len(), n * n);
        for r in 0..n {
            for c in 0..n {
                let (got, want) = (hess[r * n + c], oracle(r, c));
                prop_assert!(
                    close(got, want),
                    "(h) {name} H[{r}][{c}] = {got:e}, dual of the gradient {want:e}\n{at}"
                );
                prop_assert!(
                    close(got, hess[c * n + r]),
                    "(h) {name} H[{r}][{c}] = {got:e} but H[{c}][{r}] = {:e}\n{at}",
                    hess[c * n + r]
                );
            }
        }
    }

    // (v) H·v, and (j) ∇f·v, with v from the pool
    let v: Vec<f64> = (0..n).map(|j| pool[(j * 7 + 3) % pool.len()]).collect();
    let mut direction = Vec::new();
    let mut at_v = 0;
    for prm in st.lowered.params.iter().filter(|p| p.diff) {
        let len = prm.len.unwrap_or(1);
        direction.push(v[at_v..at_v + len].to_vec());
        at_v += len;
    }
    let with_v: Vec<Vec<f64>> = args.iter().cloned().chain(direction).collect();
    let mut hvp = st.lowered.clone();
    higher::hvp(&mut hvp);
    simplify::simplify(&mut hvp);
    let out = eval_outputs(&hvp, &with_v).expect("no calls");
    for r in 0..n {
        let want: f64 = (0..n).map(|c| oracle(r, c) * v[c]).sum();
        prop_assert!(
            close(out[1 + n + r], want),
            "(v) (H·v)[{r}] = {:e}, dual {want:e}\n{at}",
            out[1 + n + r]
        );
    }
    let mut jvp = st.lowered.clone();
    higher::jvp(&mut jvp);
    simplify::simplify(&mut jvp);
    let out = eval_outputs(&jvp, &with_v).expect("no calls");
    let want: f64 = (0..n).map(|c| first[c][0] * v[c]).sum();
    prop_assert!(
        close(out[1], want),
        "(j) ∇f·v = {:e}, dual {want:e}\n{at}",
        out[1]
    );
    Ok(())
}

fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        max_global_rejects: 4 * cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x6d61_6372_6f67_7232),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(800))]

    /// (h), (v), (j) on deep expression trees.
    #[test]
    fn second_order_expression_bodies(
        raw in proptest::collection::vec(any::<u32>(), 200..1600),
        pool in proptest::array::uniform16(-2.0f64..2.0),
    ) {
        check(&gen::generate(&raw, Profile::EXPRESSIONS), &pool)?;
    }
}

proptest! {
    #![proptest_config(config(400))]

    /// (h), (v), (j) on bodies with `if`, constant `for` loops and arrays.
    #[test]
    fn second_order_control_flow_bodies(
        raw in proptest::collection::vec(any::<u32>(), 200..1600),
        pool in proptest::array::uniform16(-2.0f64..2.0),
    ) {
        check(&gen::generate(&raw, Profile::CONTROL), &pool)?;
    }
}
