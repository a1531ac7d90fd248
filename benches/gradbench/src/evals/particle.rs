//! `particle`: the charge position `w` that makes a particle, pushed by the
//! gradient of a potential along an Euler-integrated path, land at x = 0.
//! Nested differentiation: the path's derivative d/dw runs through the
//! inner gradient ∇ₓp, which the path calls as `potential_grad` (the outer
//! sweep differentiates it through `potential`'s Hessian-vector product).
//!
//! The four functions name the modes: the first letter the outer d/dw
//! (`r`: reverse, `f`: forward), the second the inner ∇ₓp.

use macrograd::differentiable;
use serde_json::Value;

use crate::protocol::{float, number, Evaluated, Runner};

macro_rules! potential {
    ($(#[$attr:meta])* $name:ident) => {
        /// `p(x) = 1/‖x − (10, 10 − w)‖ + 1/‖x − (10, 0)‖`.
        $(#[$attr])*
        pub fn $name(x0: f64, x1: f64, w: f64) -> f64 {
            let a0 = x0 - 10.0;
            let a1 = x1 - (10.0 - w);
            let b0 = x0 - 10.0;
            let b1 = x1;
            1.0 / (a0 * a0 + a1 * a1).sqrt() + 1.0 / (b0 * b0 + b1 * b1).sqrt()
        }
    };
}

potential!(
    #[differentiable(hessian, mode = reverse)]
    potential_r
);
potential!(
    #[differentiable(hessian, mode = forward)]
    potential_f
);

macro_rules! path {
    ($(#[$attr:meta])* $name:ident, $inner:ident) => {
        /// The squared miss distance `(x₀ + t_f·v₀)²` of the particle
        /// started at (0, 8) with velocity (0.75, 0), stepped with Δt = 0.1
        /// under the acceleration `−∇ₓp` until it crosses x₁ = 0.
        $(#[$attr])*
        #[allow(unused_assignments)]
        pub fn $name(w: f64) -> f64 {
            let dt = 0.1;
            let mut x0 = 0.0;
            let mut x1 = 8.0;
            let mut v0 = 0.75;
            let mut v1 = 0.0;
            let mut miss = 0.0;
            loop {
                let (_, g) = $inner(x0, x1, w);
                x0 += dt * v0;
                x1 += dt * v1;
                if x1 <= 0.0 {
                    let tf = -x1 / v1;
                    let end = x0 + tf * v0;
                    miss = end * end;
                    break;
                }
                v0 -= dt * g.0;
                v1 -= dt * g.1;
            }
            miss
        }
    };
}

path!(
    #[differentiable(mode = reverse)]
    path_rr,
    potential_r_grad
);
path!(
    #[differentiable(mode = reverse)]
    path_rf,
    potential_f_grad
);
path!(
    #[differentiable(mode = forward)]
    path_fr,
    potential_r_grad
);
path!(
    #[differentiable(mode = forward)]
    path_ff,
    potential_f_grad
);

/// The optimal `w` by the shared descent, from `w`, with the derivative
/// `grad`.
fn optimal_w(w: f64, f: fn(f64) -> f64, grad: fn(f64) -> (f64, f64)) -> f64 {
    super::descent::argmin(|v: [f64; 1]| f(v[0]), |v| [grad(v[0]).1], [w])[0]
}

/// A path and its derivative.
type Variant = (fn(f64) -> f64, fn(f64) -> (f64, f64));

/// `rr`, `rf`, `fr` and `ff`.
pub fn evaluate(function: &str, input: &Value, runner: &Runner) -> Result<Evaluated, String> {
    let w = float(&input["w"], "w")?;
    let (f, grad): Variant = match function {
        "rr" => (path_rr, path_rr_grad),
        "rf" => (path_rf, path_rf_grad),
        "fr" => (path_fr, path_fr_grad),
        "ff" => (path_ff, path_ff_grad),
        other => {
            return Err(format!(
                "no function `{other}`: particle has `rr`, `rf`, `fr` and `ff`"
            ))
        }
    };
    let (y, timings) = runner.run(|| optimal_w(std::hint::black_box(w), f, grad));
    if !y.is_finite() {
        return Err(format!("the descent ended at a non-finite w ({y})"));
    }
    Ok(Evaluated {
        output: number(y),
        timings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_derivative_matches_central_differences_in_every_mode() {
        for w in [0.0, 0.15, 0.3] {
            let h = 1e-6;
            let fd = (path_rr(w + h) - path_rr(w - h)) / (2.0 * h);
            let variants: [(&str, Variant); 4] = [
                ("rr", (path_rr, path_rr_grad)),
                ("rf", (path_rf, path_rf_grad)),
                ("fr", (path_fr, path_fr_grad)),
                ("ff", (path_ff, path_ff_grad)),
            ];
            for (name, (f, grad)) in variants {
                let (v, d) = grad(w);
                assert_eq!(v, f(w), "{name}");
                assert!(
                    (d - fd).abs() <= 1e-5 * (1.0 + fd.abs()),
                    "{name} at w = {w}: {d} vs central difference {fd}"
                );
            }
        }
    }

    #[test]
    fn optimum_is_the_reference_value() {
        // the eval's fixed expected value
        let w = optimal_w(0.0, path_rr, path_rr_grad);
        assert!((w - 0.2071918746486116).abs() <= 1e-4, "{w}");
    }
}
