//! `grad!` with function items: the same output as `#[differentiable]` on
//! each, functions calling each other inside and outside the block, and a
//! derivative given by hand through `#[differentiable(custom = ...)]`.
//! Expected values are closed forms.

use macrograd::{differentiable, grad};

grad! {
    /// A documented item keeps its documentation.
    pub fn energy(x: f64, v: f64, #[nograd] k: f64) -> f64 {
        0.5 * k * x * x + 0.5 * v * v
    }

    fn doubled_energy(x: f64, v: f64) -> f64 {
        2.0 * energy(x, v, 3.0)
    }

    #[differentiable(custom = soft_limit_by_hand)]
    fn soft_limit(x: f64) -> f64 {
        x / (1.0 + x.abs())
    }
}

fn soft_limit_by_hand(x: f64) -> (f64, f64) {
    let d = 1.0 + x.abs();
    (x / d, 1.0 / (d * d))
}

#[differentiable]
fn limited_square(x: f64) -> f64 {
    let s = soft_limit(x);
    s * s
}

#[test]
fn items_in_grad_get_gradients() {
    let (e, (dx, dv)) = energy_grad(2.0, -1.0, 3.0);
    assert_eq!(e, 0.5 * 3.0 * 4.0 + 0.5);
    assert_eq!((dx, dv), (3.0 * 2.0, -1.0));
    assert_eq!(energy(2.0, -1.0, 3.0), e);
}

#[test]
fn items_call_each_other() {
    let (e, (dx, dv)) = doubled_energy_grad(1.0, 2.0);
    assert_eq!(e, 2.0 * (1.5 + 2.0));
    assert_eq!((dx, dv), (6.0, 4.0));
}

#[test]
fn a_custom_derivative_inside_grad_is_used_by_callers() {
    // s = x / (1 + |x|), d(s²)/dx = 2 s / (1 + |x|)²
    let x = 1.0;
    let (v, d) = limited_square_grad(x);
    assert_eq!(v, 0.25);
    assert_eq!(d, 2.0 * 0.5 / 4.0);
}
