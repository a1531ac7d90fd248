//! A call's value passed on to another call, bound or inline (`g(a)`,
//! `g(h(z))`): the caller reads the outer callee's entry for that argument
//! through `call_partial`. Expected values from the chain rule by hand.

use crate::assert_close;
use macrograd::differentiable;

/// `x²`
#[differentiable]
fn h(x: f64) -> f64 {
    x * x
}

/// `sin y`
#[differentiable]
fn g(y: f64) -> f64 {
    y.sin()
}

/// `sin(x²)·z + sin(z²)`, in reverse mode (two parameters)
#[differentiable]
fn f(x: f64, z: f64) -> f64 {
    let a = h(x);
    g(a) * z + g(h(z))
}

/// `sin(x²)` in forward mode (one parameter), the inner call inline
#[differentiable]
fn one(x: f64) -> f64 {
    g(h(x))
}

#[test]
fn a_call_value_passed_on_follows_the_chain_rule() {
    for &(x, z) in &[(0.3, -1.2), (1.1, 0.7), (-2.0, 2.5)] {
        let (v, (dx, dz)) = f_grad(x, z);
        assert_close!(v, (x * x).sin() * z + (z * z).sin(), 1e-12);
        // ∂/∂x = cos(x²)·2x·z, ∂/∂z = sin(x²) + cos(z²)·2z
        assert_close!(dx, (x * x).cos() * 2.0 * x * z, 1e-12, "x = {x}");
        assert_close!(
            dz,
            (x * x).sin() + (z * z).cos() * 2.0 * z,
            1e-12,
            "z = {z}"
        );
        let (w, d) = one_grad(x);
        assert_close!(w, (x * x).sin(), 1e-12);
        assert_close!(d, (x * x).cos() * 2.0 * x, 1e-12, "x = {x}");
    }
}
