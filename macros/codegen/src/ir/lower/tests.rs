//! Unit tests of lowering: IR dumps and interpreter values.
use quote::quote;

use crate::ir::dump::dump;
use crate::ir::eval::eval_outputs;

fn lowered(item: proc_macro2::TokenStream) -> crate::ir::Graph {
    crate::pipeline(item).expect("lowers").lowered
}

fn error(item: proc_macro2::TokenStream) -> String {
    match crate::pipeline(item) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn let_chain_becomes_ssa_with_source_names() {
    let g = lowered(quote! { fn f(w: f64, x: f64) -> f64 { let pred = w * x; pred + 1.0 } });
    let text = dump(&g);
    assert!(text.contains("mul %0 %1  ; pred"), "{text}");
    assert_eq!(
        eval_outputs(&g, &[vec![2.0], vec![3.0]]).unwrap(),
        vec![7.0]
    );
}

#[test]
fn reassignment_and_compound_assignment_make_new_values() {
    let g =
        lowered(quote! { fn f(x: f64) -> f64 { let mut s = x; s += x; s *= 3.0; s = s - 1.0; s } });
    assert_eq!(eval_outputs(&g, &[vec![2.0]]).unwrap(), vec![11.0]);
}

#[test]
fn constant_loops_are_unrolled_and_indices_folded() {
    let g = lowered(quote! {
        fn f(x: [f64; 4]) -> f64 { let mut s = 0.0; for i in 0..3 { s += x[i + 1] * x[i]; } s }
    });
    assert!(!dump(&g).contains("if"), "no control flow remains");
    assert_eq!(
        eval_outputs(&g, &[vec![1.0, 2.0, 3.0, 4.0]]).unwrap(),
        vec![2.0 + 6.0 + 12.0]
    );
}

#[test]
fn compile_time_conditions_pick_one_branch() {
    let g = lowered(quote! {
        fn f(x: [f64; 3]) -> f64 { let mut s = 0.0; for i in 0..3 { if i == 0 { s += x[i]; } else { s *= x[i]; } } s }
    });
    assert!(!dump(&g).contains(" if "), "{}", dump(&g));
    assert_eq!(
        eval_outputs(&g, &[vec![2.0, 3.0, 4.0]]).unwrap(),
        vec![24.0]
    );
}

#[test]
fn runtime_if_merges_changed_bindings() {
    let g = lowered(quote! {
        fn f(x: f64) -> f64 { let mut y = x; if x > 0.0 { y = y * 2.0; } else { y = -y; } y + 1.0 }
    });
    assert!(dump(&g).contains("= if"), "{}", dump(&g));
    assert_eq!(eval_outputs(&g, &[vec![3.0]]).unwrap(), vec![7.0]);
    assert_eq!(eval_outputs(&g, &[vec![-3.0]]).unwrap(), vec![4.0]);
}

#[test]
fn errors_are_accumulated_and_name_the_fix() {
    let e = error(quote! { fn f(x: f64) -> f64 { let a = x % 2.0; let b = x * 2; a + b } });
    assert!(e.contains("operator `%`"), "{e}");
    let all = match crate::pipeline(
        quote! { fn f(x: f64) -> f64 { let a = x % 2.0; let b = x * 2; a + b } },
    ) {
        Err(e) => e.into_iter().count(),
        Ok(_) => 0,
    };
    assert_eq!(all, 2, "both mistakes are reported");
}

#[test]
fn out_of_bounds_and_runtime_index_are_errors() {
    assert!(error(quote! { fn f(x: [f64; 2]) -> f64 { x[2] } }).contains("out of bounds"));
    assert!(error(quote! { fn f(x: [f64; 2], i: f64) -> f64 { x[i] } })
        .contains("known at compile time"));
}

#[test]
fn mut_parameters_can_be_reassigned() {
    let g = lowered(quote! { fn f(mut x: f64) -> f64 { x = x * x; x } });
    assert_eq!(eval_outputs(&g, &[vec![3.0]]).unwrap(), vec![9.0]);
}

#[test]
fn a_return_inside_a_branch_is_an_early_return() {
    let e =
        error(quote! { fn f(x: f64) -> f64 { let y = if x < 0.0 { return 0.0; } else { x }; y } });
    assert!(e.contains("early `return`"), "{e}");
}

#[test]
fn huge_constants_are_errors_not_panics() {
    assert!(
        error(quote! { fn f(x: f64) -> f64 { let a = [x; 9_000_000_000_000_000_000]; a[0] } })
            .contains("more than")
    );
    assert!(error(quote! { fn f(x: f64) -> f64 { let mut y = x; for _ in 0..=9_223_372_036_854_775_807 { y *= x; } y } })
        .contains("more times"));
    assert!(error(quote! { fn f(x: f64) -> f64 { let mut y = x; for _ in 0..((-9_223_372_036_854_775_807 - 1) % -1) { y *= x; } y } })
        .contains("overflows"));
}

#[test]
fn float_types_do_not_mix() {
    assert!(error(quote! { fn f(x: f64) -> f64 { x * 2.0f32 } }).contains("mixes `f32`"));
    assert!(
        error(quote! { fn f(x: f32) -> f32 { x * std::f64::consts::PI } }).contains("mixes `f64`")
    );
}
