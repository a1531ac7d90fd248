//! Differentiable functions calling each other across modules, and a
//! function whose derivative is given by hand (`#[differentiable(custom = ...)]`).
//!
//! A pendulum on a spring: the energy of a state is the sum of a kinetic and
//! a potential term, each its own `#[differentiable]` function; the potential uses a
//! smooth clamp whose derivative we supply ourselves.
#[path = "common/no_options.rs"]
mod no_options;

use macrograd::differentiable;

mod physics {
    use macrograd::differentiable;

    /// Kinetic energy of a unit mass moving with velocity `v`.
    #[differentiable]
    pub fn kinetic(v: [f64; 2]) -> f64 {
        0.5 * (v[0] * v[0] + v[1] * v[1])
    }

    /// Spring and gravity potential at position `q`.
    #[differentiable]
    pub fn potential(q: [f64; 2], #[nograd] stiffness: f64) -> f64 {
        let r = q[0].hypot(q[1]);
        let stretch = crate::soft_limit(r - 1.0);
        0.5 * stiffness * stretch * stretch + 9.81 * q[1]
    }
}

/// A smooth limit `x / (1 + |x|)`, written with a `while`-free formula the
/// macro could differentiate, but given by hand here to show the mechanism.
#[differentiable(custom = soft_limit_grad)]
fn soft_limit(x: f64) -> f64 {
    x / (1.0 + x.abs())
}

/// The derivative of [`soft_limit`], written by hand: `1 / (1 + |x|)²`.
fn soft_limit_grad(x: f64) -> (f64, f64) {
    let d = 1.0 + x.abs();
    (x / d, 1.0 / (d * d))
}

/// Total energy: calls both terms by path.
#[differentiable]
fn energy(q: [f64; 2], v: [f64; 2], #[nograd] stiffness: f64) -> f64 {
    physics::kinetic(v) + crate::physics::potential(q, stiffness)
}

fn main() {
    no_options::handle("usage: physics\n\nA spring pendulum's energy from differentiable functions calling each other, one with a derivative given by hand.");
    let (q, v) = ([0.3, -1.2], [0.5, 0.1]);
    let (e, (de_dq, de_dv)) = energy_grad(q, v, 40.0);
    println!("energy = {e:.6}");
    println!("∂E/∂q = {de_dq:?}  (the force is minus this)");
    println!("∂E/∂v = {de_dv:?}  (the momentum)");
    assert_eq!(energy(q, v, 40.0), e);
}
