//! A body that unrolls to thousands of statements compiles in the test
//! (dev, debug-info) profile: the generated code groups long straight-line
//! code in blocks, so rustc's debug info does not recurse once per `let`.

use macrograd::differentiable;

/// The extended Rosenbrock function over 600 variables.
#[differentiable]
fn rosenbrock_600(x: [f64; 600]) -> f64 {
    let mut sum = 0.0;
    for i in 0..599 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        sum += 100.0 * a * a + b * b;
    }
    sum
}

#[test]
fn six_hundred_variable_rosenbrock_matches_its_closed_form() {
    let x: [f64; 600] = std::array::from_fn(|i| 0.5 + 0.001 * i as f64);
    let (value, grad) = rosenbrock_600_grad(x);
    assert_eq!(value, rosenbrock_600(x));
    for i in 0..600 {
        // ∂/∂x_i = −400·x_i·(x_{i+1} − x_i²) − 2(1 − x_i) + 200·(x_i − x_{i−1}²)
        let mut expect = 0.0;
        if i < 599 {
            expect += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
        }
        if i > 0 {
            expect += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
        }
        assert!(
            (grad[i] - expect).abs() <= 1e-9 * expect.abs().max(1.0),
            "component {i}"
        );
    }
}
