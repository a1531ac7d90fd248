//! Unit tests of `macrograd_codegen::rules`.
use macrograd_codegen::rules::*;

#[test]
fn relu_rows_propagate_nan() {
    // The interpreter and the constant folder evaluate through this
    // table, so `relu(0.0 / 0.0)` must fold to NaN as the runtime's
    // `ops::relu` computes it (and PyTorch), not to 0.
    assert!(Prim::Relu.eval(&[f64::NAN]).is_nan());
    assert!(Prim::LeakyRelu.eval(&[f64::NAN, 0.01]).is_nan());
    assert!(Prim::Softplus.eval(&[f64::NAN]).is_nan());
    assert_eq!(Prim::Relu.eval(&[-0.0_f64]).to_bits(), 0.0_f64.to_bits());
    assert_eq!(Prim::Relu.eval(&[f64::NEG_INFINITY]), 0.0);
}

#[test]
fn powi_of_i32_min_has_the_derivative_n_x_to_the_n_minus_1() {
    // n − 1 overflowed i32 here (a panic in debug, a wrong derivative in release)
    let g = macrograd_codegen::pipeline(quote::quote! {
        fn f(x: f64) -> f64 { x.powi(-2147483648) }
    })
    .expect("lowers")
    .gradient;
    for x in [1.0_f64, -1.0, 1.0 + 1e-12] {
        let out = macrograd_codegen::ir::eval::eval_outputs(&g, &[vec![x]]).unwrap();
        let n = f64::from(i32::MIN);
        let want = n * x.powf(n - 1.0);
        assert_eq!(out[0], x.powi(i32::MIN));
        // powi by repeated squaring is about 1e-11 accurate at this exponent
        assert!(
            (out[1] - want).abs() <= 1e-9 * want.abs(),
            "at {x}: {} vs {want}",
            out[1]
        );
    }
    // x = −1: (−1)^(n−1) = −1 for the odd n − 1, so the derivative is +2³¹
    let out = macrograd_codegen::ir::eval::eval_outputs(&g, &[vec![-1.0]]).unwrap();
    assert_eq!(out[1], 2147483648.0);
}

#[test]
fn relu_of_a_nan_constant_folds_to_nan() {
    let g = macrograd_codegen::pipeline(quote::quote! {
        fn f(x: f64) -> f64 { relu(0.0 / 0.0) + x }
    })
    .expect("lowers")
    .gradient;
    let out = macrograd_codegen::ir::eval::eval_outputs(&g, &[vec![1.0]]).unwrap();
    assert!(out[0].is_nan(), "{out:?}");
}
