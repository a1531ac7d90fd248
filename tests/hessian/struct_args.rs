//! Hessians through calls whose arguments are struct literals built from
//! floats (`energy(State { theta: x, omega: y * x })`): the call's second
//! derivative is the callee's HVP with a direction of the struct's type
//! (scalar helper) or its `vjp_jvp` (helper returning an array).
//!
//! Expected values: closed forms and central differences of the generated
//! gradient.

use super::common::{assert_all_close, Flat};
use super::{assert_symmetric, numeric_hessian, rows};
use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Debug, Differentiable)]
struct State {
    theta: f64,
    omega: f64,
}

/// E = ½ω²k + 1 − cos θ.
#[differentiable(hessian)]
fn energy(s: State, k: f64) -> f64 {
    0.5 * s.omega * s.omega * k + (1.0 - s.theta.cos())
}

/// A helper returning an array, taking the struct.
#[differentiable(hessian)]
fn tip(s: State, l: f64) -> [f64; 2] {
    [l * s.theta.sin(), l * s.omega * s.theta.cos()]
}

/// `E(θ = x, ω = x·y, k = y)`.
#[differentiable(hessian)]
fn through_energy(x: f64, y: f64) -> f64 {
    energy(
        State {
            theta: x,
            omega: x * y,
        },
        y,
    )
}

#[differentiable(hessian)]
fn through_tip(x: f64, y: f64) -> f64 {
    let [a, b] = tip(
        State {
            theta: x * y,
            omega: y,
        },
        1.5,
    );
    a * b + a
}

#[test]
fn struct_literal_arguments_match_the_closed_form_and_finite_differences() {
    for (x, y) in [(0.3, -1.2), (1.7, 0.4), (-2.0, 0.9)] {
        // f = ½x²y³ + 1 − cos x: f_xx = y³ + cos x, f_xy = 3x y², f_yy = 3x²y
        let (_, g, h) = through_energy_hessian(x, y);
        assert_eq!(g, through_energy_grad(x, y).1);
        let want = [
            y * y * y + x.cos(),
            3.0 * x * y * y,
            3.0 * x * y * y,
            3.0 * x * x * y,
        ];
        assert_all_close(&h.flat(), &want, 1e-12, &format!("energy ({x}, {y})"));

        let (_, g, h) = through_tip_hessian(x, y);
        assert_eq!(g, through_tip_grad(x, y).1);
        let fd = numeric_hessian(|q| through_tip_grad(q[0], q[1]).1.flat(), &[x, y]);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, &format!("tip ({x}, {y})"));
        assert_symmetric(&rows(h), 1e-12);
        let (_, _, hv) = through_tip_hvp(x, y, (0.5, -1.0));
        let hd = [0.5 * h[0][0] - h[0][1], 0.5 * h[1][0] - h[1][1]];
        assert_all_close(&hv.flat(), &hd, 1e-12, "H·v");
    }
}

/// A struct literal that depends on no differentiable input: its direction
/// is the struct's zero.
#[differentiable(hessian)]
fn through_constant_energy(y: f64, #[nograd] c: f64) -> f64 {
    energy(
        State {
            theta: c,
            omega: 2.0,
        },
        y,
    ) * y
}

#[differentiable(hessian)]
fn through_constant_tip(y: f64, #[nograd] c: f64) -> f64 {
    let [a, b] = tip(
        State {
            theta: c,
            omega: 1.0,
        },
        y,
    );
    a * b + a
}

#[test]
fn struct_literal_arguments_without_differentiable_input() {
    for (y, c) in [(0.3, -1.2), (1.7, 0.4), (-2.0, 0.9)] {
        // f = (2y + 1 − cos c)·y: f' = 4y + 1 − cos c, f'' = 4
        let (v, g, h) = through_constant_energy_hessian(y, c);
        assert_all_close(&[v], &[(2.0 * y + 1.0 - c.cos()) * y], 1e-12, "value");
        assert_all_close(&g.flat(), &[4.0 * y + 1.0 - c.cos()], 1e-12, "gradient");
        assert_all_close(&h.flat(), &[4.0], 1e-12, &format!("energy ({y}, {c})"));
        // f = y² sin c cos c + y sin c: f'' = 2 sin c cos c
        let (_, g, h) = through_constant_tip_hessian(y, c);
        let want = 2.0 * y * c.sin() * c.cos() + c.sin();
        assert_all_close(&g.flat(), &[want], 1e-12, "tip gradient");
        let want = 2.0 * c.sin() * c.cos();
        assert_all_close(&h.flat(), &[want], 1e-12, &format!("tip ({y}, {c})"));
        let (_, _, hv) = through_constant_tip_hvp(y, c, -0.5);
        assert_all_close(&hv.flat(), &[-0.5 * want], 1e-12, "tip H·v");
    }
}
