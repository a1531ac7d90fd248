//! Unit tests of `macrograd_codegen::diff::forward`: forward (tangent) mode.
use quote::quote;

use macrograd_codegen::ir::eval::eval_outputs;
use macrograd_codegen::ir::{Graph, Op};

fn lowered(item: proc_macro2::TokenStream) -> Graph {
    macrograd_codegen::pipeline(item).expect("lowers").lowered
}

/// (value, derivative) of the unsimplified forward-mode graph with
/// respect to parameter `param` (element `index`).
fn tangent(g: &Graph, param: usize, index: Option<usize>, args: &[Vec<f64>]) -> Vec<f64> {
    let mut g = g.clone();
    macrograd_codegen::diff::forward(&mut g, param, index);
    eval_outputs(&g, args).expect("evaluates")
}

#[test]
fn the_seed_folds_into_constant_factors() {
    // f = 3x + 2: the derivative is the constant 3 once simplified
    let st = macrograd_codegen::pipeline(quote! { fn f(x: f64) -> f64 { 2.0 * x + 2.0 + x } })
        .expect("lowers");
    let g = &st.gradient;
    assert_eq!(g.wrt, Some((0, None)), "one scalar input: forward mode");
    assert_eq!(g.constant(g.grads[0][0]), Some(3.0));
}

#[test]
fn products_and_quotients_follow_the_rules() {
    // f = x²·sin x / (1 + x), f' = (2x·sin x + x²·cos x)/(1 + x) − x²·sin x/(1 + x)²
    let g = lowered(quote! { fn f(x: f64) -> f64 { x * x * x.sin() / (1.0 + x) } });
    let x: f64 = 0.7;
    let expected = (2.0 * x * x.sin() + x * x * x.cos()) / (1.0 + x)
        - x * x * x.sin() / ((1.0 + x) * (1.0 + x));
    let out = tangent(&g, 0, None, &[vec![x]]);
    assert!(
        (out[1] - expected).abs() < 1e-15,
        "{} vs {expected}",
        out[1]
    );
}

#[test]
fn each_element_and_parameter_in_turn() {
    // f = a[0]·a[1] + b³: ∂/∂a[0] = a[1], ∂/∂a[1] = a[0], ∂/∂b = 3b²
    let g = lowered(quote! {
        fn f(a: [f64; 2], b: f64) -> f64 { a[0] * a[1] + b.powi(3) }
    });
    let args = [vec![2.0, 5.0], vec![-1.5]];
    assert_eq!(tangent(&g, 0, Some(0), &args), vec![10.0 - 3.375, 5.0]);
    assert_eq!(tangent(&g, 0, Some(1), &args)[1], 2.0);
    assert_eq!(tangent(&g, 1, None, &args)[1], 3.0 * 2.25);
}

#[test]
fn the_branch_taken_carries_the_tangent() {
    let g = lowered(quote! {
        fn f(x: f64) -> f64 { let y = x * x; if x > 1.0 { y * x } else { y.sqrt() - x } }
    });
    // x = 2: y·x = x³, 3x² = 12; x = 0.5: |x| − x, derivative 0
    assert_eq!(tangent(&g, 0, None, &[vec![2.0]]), vec![8.0, 12.0]);
    assert_eq!(tangent(&g, 0, None, &[vec![0.5]]), vec![0.0, 0.0]);
    // the untaken branch never runs: at x = −4 no NaN from it
    let g = lowered(quote! {
        fn f(x: f64) -> f64 { if x > 0.0 { x.sqrt() } else { -x } }
    });
    assert_eq!(tangent(&g, 0, None, &[vec![-4.0]]), vec![4.0, -1.0]);
    assert_eq!(tangent(&g, 0, None, &[vec![4.0]]), vec![2.0, 0.25]);
}

#[test]
fn inactive_values_get_no_tangent() {
    // b is #[nograd]: nothing depends on x but the last product
    let mut g = lowered(quote! {
        fn f(x: f64, #[nograd] b: f64) -> f64 { let c = b.sin() * b; c * x }
    });
    macrograd_codegen::diff::forward(&mut g, 0, None);
    let tangents = g.nodes.iter().filter(|n| n.adjoint).count();
    assert_eq!(tangents, 1, "only the derivative of the value is named");
    assert!(g
        .nodes
        .iter()
        .all(|n| !matches!(n.op, Op::Prim(macrograd_codegen::rules::Prim::Cos, _))));
    let out = eval_outputs(&g, &[vec![3.0], vec![0.5]]).expect("evaluates");
    assert_eq!(out[1], 0.5_f64.sin() * 0.5);
}
