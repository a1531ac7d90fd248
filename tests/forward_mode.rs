//! Functions with exactly one differentiable scalar, which `#[differentiable]` and
//! `grad!` differentiate in forward mode, end to end through the macros:
//! calls (the same argument passed twice, a custom derivative, a callee
//! differentiated in reverse mode), run-time branches inside loops, a
//! one-element array, `#[nograd]` inputs beside the one scalar, `f32`, and a
//! closure. Expected values are closed forms, and every case is also checked
//! against central finite differences.

mod common;

use common::{central_diff, central_diff_f32};
use macrograd::{differentiable, grad};

/// `a·sin b + b²`: two differentiable inputs, so its gradient is reverse mode.
#[differentiable]
fn pair(a: f64, b: f64) -> f64 {
    a * b.sin() + b * b
}

/// `pair(x, x) = x·sin x + x²`, so `f′ = sin x + x·cos x + 2x`: both partials
/// of the callee meet in one tangent.
#[differentiable]
fn same_argument_twice(x: f64) -> f64 {
    pair(x, x)
}

/// `x/(1 + |x|)`, with its derivative given by hand.
#[differentiable(custom = soft_limit_grad)]
fn soft_limit(x: f64) -> f64 {
    x / (1.0 + x.abs())
}

fn soft_limit_grad(x: f64) -> (f64, f64) {
    let d = 1.0 + x.abs();
    (x / d, 1.0 / (d * d))
}

/// `soft_limit(x)³`: `3·s²·s′`.
#[differentiable]
fn cube_of_custom(x: f64) -> f64 {
    soft_limit(x).powi(3)
}

/// Three steps of `v ← v·c` when `v > 1`, else `v ← v + x`, from `v = x`.
#[differentiable]
fn branches_in_a_loop(x: f64, #[nograd] c: f64) -> f64 {
    let mut v = x;
    for _ in 0..3 {
        if v > 1.0 {
            v *= c;
        } else {
            v += x;
        }
    }
    v
}

/// A one-element array is one differentiable scalar too.
#[differentiable]
fn one_element(p: [f64; 1], #[nograd] w: [f64; 2]) -> f64 {
    (p[0] * w[0]).exp() + w[1] * p[0]
}

/// `f32`: `tanh(x)·x`, derivative `(1 − tanh²x)·x + tanh x`.
#[differentiable]
fn single_f32(x: f32) -> f32 {
    x.tanh() * x
}

#[test]
fn both_partials_of_a_call_with_the_argument_twice() {
    for x in [-1.3, 0.0, 0.4, 2.5] {
        let (v, d) = same_argument_twice_grad(x);
        assert_eq!(v, same_argument_twice(x));
        let expected = x.sin() + x * x.cos() + 2.0 * x;
        assert_close!(d, expected, 1e-14, "at {x}");
        assert_close!(d, central_diff(same_argument_twice, x), 1e-9, "at {x}");
    }
}

#[test]
fn a_custom_derivative_inside_forward_mode() {
    for x in [-2.0, -0.5, 0.3, 1.7] {
        let (v, d) = cube_of_custom_grad(x);
        let s = x / (1.0 + f64::abs(x));
        let ds = 1.0 / ((1.0 + f64::abs(x)) * (1.0 + f64::abs(x)));
        assert_eq!(v, s.powi(3));
        assert_close!(d, 3.0 * s * s * ds, 1e-14, "at {x}");
        assert_close!(d, central_diff(cube_of_custom, x), 1e-9, "at {x}");
    }
}

#[test]
fn the_branches_taken_carry_the_derivative() {
    let c = 1.5;
    // x = 0.3: 0.6, 0.9, 1.2 (all additions): v = 4x, derivative 4
    assert_eq!(branches_in_a_loop_grad(0.3, c).1, 4.0);
    // x = 0.6: 1.2, then ×c twice: v = 2x·c², derivative 2c²
    let (v, d) = branches_in_a_loop_grad(0.6, c);
    assert_eq!(v, 1.2 * c * c);
    assert_eq!(d, 2.0 * c * c);
    // x = 2: ×c three times: derivative c³
    assert_eq!(branches_in_a_loop_grad(2.0, c).1, c * c * c);
    for x in [0.3, 0.6, 2.0] {
        let numeric = central_diff(|x| branches_in_a_loop(x, c), x);
        assert_close!(branches_in_a_loop_grad(x, c).1, numeric, 1e-9, "at {x}");
    }
}

#[test]
fn a_one_element_array_gets_a_one_element_gradient() {
    let w = [0.7, -2.0];
    for p in [-1.0, 0.5, 1.25] {
        let (v, [d]) = one_element_grad([p], w);
        assert_eq!(v, one_element([p], w));
        assert_close!(d, w[0] * (p * w[0]).exp() + w[1], 1e-14, "at {p}");
    }
}

#[test]
fn f32_functions() {
    for x in [-1.5_f32, 0.25, 2.0] {
        let (v, d) = single_f32_grad(x);
        assert_eq!(v, single_f32(x));
        let t = x.tanh();
        assert_close!(d, (1.0 - t * t) * x + t, 1e-6, "at {x}");
        assert_close!(d, central_diff_f32(single_f32, x), 2e-3, "at {x}");
    }
}

#[test]
fn a_closure_of_one_parameter() {
    let f = grad!(|x: f64| x.ln_1p() * x.sqrt());
    for x in [0.25, 1.0, 3.0] {
        let (v, d) = f(x);
        assert_eq!(v, x.ln_1p() * x.sqrt());
        let expected = x.sqrt() / (1.0 + x) + x.ln_1p() / (2.0 * x.sqrt());
        assert_close!(d, expected, 1e-14, "at {x}");
    }
}
