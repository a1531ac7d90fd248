//! Unit tests of `macrograd_codegen::diff::reverse`.
use quote::quote;

use macrograd_codegen::ir::eval::eval_outputs;

/// (value, gradient...) of the unsimplified reverse graph.
fn raw(item: proc_macro2::TokenStream, args: &[Vec<f64>]) -> Vec<f64> {
    let mut g = macrograd_codegen::pipeline(item).expect("lowers").lowered;
    macrograd_codegen::diff::reverse(&mut g);
    eval_outputs(&g, args).expect("evaluates")
}

#[test]
fn fan_out_adjoints_are_summed() {
    // f = x·x·x, f' = 3x²
    let out = raw(quote! { fn f(x: f64) -> f64 { x * x * x } }, &[vec![2.0]]);
    assert_eq!(out, vec![8.0, 12.0]);
}

#[test]
fn nograd_parameters_get_no_entry() {
    let out = raw(
        quote! { fn f(a: f64, #[nograd] b: f64) -> f64 { a * b } },
        &[vec![2.0], vec![5.0]],
    );
    assert_eq!(out, vec![10.0, 5.0]);
}

#[test]
fn unused_parameter_has_zero_gradient() {
    let out = raw(
        quote! { fn f(a: f64, b: f64) -> f64 { a.sin() } },
        &[vec![0.0], vec![5.0]],
    );
    assert_eq!(out, vec![0.0, 1.0, 0.0]);
}

#[test]
fn the_branch_taken_is_the_one_differentiated() {
    let item = quote! {
        fn f(x: f64) -> f64 { if x > 0.0 { x.sqrt() } else { -x } }
    };
    assert_eq!(raw(item.clone(), &[vec![4.0]]), vec![2.0, 0.25]);
    // the untaken sqrt branch never runs: no NaN leaks into the gradient
    assert_eq!(raw(item, &[vec![-4.0]]), vec![4.0, -1.0]);
}

#[test]
fn values_defined_outside_a_branch_receive_its_adjoint() {
    // y = x²; z = if x > 1 { y·x } else { y }; ∂z/∂x = 3x² or 2x
    let item = quote! {
        fn f(x: f64) -> f64 { let y = x * x; if x > 1.0 { y * x } else { y } }
    };
    assert_eq!(raw(item.clone(), &[vec![2.0]]), vec![8.0, 12.0]);
    assert_eq!(raw(item, &[vec![0.5]]), vec![0.25, 1.0]);
}

#[test]
fn nested_branches() {
    let item = quote! {
        fn f(x: f64, y: f64) -> f64 {
            if x > 0.0 { if y > 0.0 { x * y } else { x - y } } else { y * y }
        }
    };
    assert_eq!(
        raw(item.clone(), &[vec![2.0], vec![3.0]]),
        vec![6.0, 3.0, 2.0]
    );
    assert_eq!(
        raw(item.clone(), &[vec![2.0], vec![-3.0]]),
        vec![5.0, 1.0, -1.0]
    );
    assert_eq!(raw(item, &[vec![-2.0], vec![3.0]]), vec![9.0, 0.0, 6.0]);
}
