//! Unit tests of `macrograd_codegen::ir::lower::chain`.
use macrograd_codegen::ir::eval::eval_outputs;
use macrograd_codegen::ir::lower::chain::CHUNK;
use macrograd_codegen::ir::{Block, Graph, Op};

/// The deepest nesting of `If` nodes, found with a work list.
fn if_depth(g: &Graph) -> usize {
    let mut deepest = 0;
    let mut work: Vec<(&Block, usize)> = vec![(&g.body, 0)];
    while let Some((b, d)) = work.pop() {
        deepest = deepest.max(d);
        for &n in &b.nodes {
            if let Op::If(i) = g.op(n) {
                work.extend([(&i.then, d + 1), (&i.els, d + 1)]);
            }
        }
    }
    deepest
}

/// `n` clauses `x < k` giving `x·k` and scaling `s` by `k`; the clause
/// before them gives `x` and sets `s = 0.5`; the final `else` gives `y`.
fn chain(n: usize) -> proc_macro2::TokenStream {
    let mut src = String::from(
        "fn f(x: f64, y: f64) -> f64 { let mut s = y; let v = if x < 0.0 { s = 0.5; x }",
    );
    for k in 1..=n {
        src += &format!(" else if x < {k}.0 {{ s = s * {k}.0; x * {k}.0 }}");
    }
    src += " else { y }; v + s }";
    src.parse().expect("lexes")
}

#[test]
fn a_long_chain_nests_one_chunk_deep_and_takes_the_first_clause_that_holds() {
    let n = 200;
    let st = macrograd_codegen::pipeline(chain(n)).expect("lowers");
    let depth = if_depth(&st.lowered);
    assert!(depth <= CHUNK + 1, "If nodes nest {depth} deep");
    let y = 0.7;
    for x in [-0.5, 0.5, 30.5, 31.5, 32.5, 63.5, 64.5, 150.5, 199.5, 500.0] {
        // by hand: the value v + s and its partial derivatives
        let want = if x < 0.0 {
            vec![x + 0.5, 1.0, 0.0]
        } else {
            match (1..=n).map(|k| k as f64).find(|&k| x < k) {
                Some(k) => vec![x * k + y * k, k, k],
                None => vec![2.0 * y, 0.0, 2.0],
            }
        };
        let got = eval_outputs(&st.gradient, &[vec![x], vec![y]]).expect("evaluates");
        assert_eq!(got, want, "x = {x}");
    }
}

#[test]
fn a_long_chain_of_statements_merges_its_assignments() {
    let mut src =
        String::from("fn f(x: f64, y: f64) -> f64 { let mut s = y; if x < 1.0 { s = s * 1.0; }");
    for k in 2..=100 {
        src += &format!(" else if x < {k}.0 {{ s = s * {k}.0; }}");
    }
    src += " s * x }";
    let st = macrograd_codegen::pipeline(src.parse().expect("lexes")).expect("lowers");
    for x in [0.5, 40.5, 99.5, 100.5] {
        let k = (1..=100).map(|k| k as f64).find(|&k| x < k).unwrap_or(1.0);
        let got = eval_outputs(&st.gradient, &[vec![x], vec![0.7]]).expect("evaluates");
        assert_eq!(got, vec![0.7 * k * x, 0.7 * k, k * x], "x = {x}");
    }
}

#[test]
fn a_long_chain_with_values_needs_a_final_else() {
    let mut src = String::from("fn f(x: f64) -> f64 { if x < 0.0 { x }");
    for k in 1..40 {
        src += &format!(" else if x < {k}.0 {{ x * {k}.0 }}");
    }
    src += " }";
    let err = match macrograd_codegen::pipeline(src.parse().expect("lexes")) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("has a value but no `else`"), "{err}");
}
