//! `saddle`: `min_a max_b f(a, b)` with `f(a, b) = ‖a‖² − ‖b‖²`. Nested
//! differentiation: the inner value `g(a) = f(a, argmax_b f(a, b))` runs
//! the shared descent over b (on −f, with ∇_b f from `f_grad`) inside a
//! differentiable body, and the outer descent over a takes `g`'s gradient
//! through it (through `f`'s Hessian-vector product).
//!
//! The four functions name the modes: the first letter the outer ∇_a g
//! (`r`: reverse, `f`: forward), the second the inner ∇_b f.

use macrograd::differentiable;
use serde_json::Value;

use crate::protocol::{floats, numbers, Evaluated, Runner};

macro_rules! objective {
    ($(#[$attr:meta])* $name:ident) => {
        /// `f(a, b) = (a₀² + a₁²) − (b₀² + b₁²)`.
        $(#[$attr])*
        pub fn $name(a0: f64, a1: f64, b0: f64, b1: f64) -> f64 {
            (a0 * a0 + a1 * a1) - (b0 * b0 + b1 * b1)
        }
    };
}

objective!(
    #[differentiable(hessian, mode = reverse)]
    f_r
);
objective!(
    #[differentiable(hessian, mode = forward)]
    f_f
);

macro_rules! inner {
    ($(#[$attr:meta])* $name:ident, $f:ident, $f_grad:ident) => {
        /// `g(a) = f(a, argmax_b f(a, b))`, the argmax by the shared
        /// descent on −f from `(s0, s1)`, written out as a loop.
        $(#[$attr])*
        pub fn $name(a0: f64, a1: f64, #[nograd] s0: f64, #[nograd] s1: f64) -> f64 {
            let mut b0 = s0;
            let mut b1 = s1;
            let mut fx = -$f(a0, a1, b0, b1);
            let (_, g) = $f_grad(a0, a1, b0, b1);
            let mut g0 = -g.2;
            let mut g1 = -g.3;
            let mut eta = 1e-5;
            // counts accepted steps (a float: the same in every branch)
            let mut i = 0.0;
            loop {
                if (g0 * g0 + g1 * g1).sqrt() <= 1e-5 {
                    break;
                } else if i >= 10.0 {
                    eta *= 2.0;
                    i = 0.0;
                } else {
                    let n0 = b0 - eta * g0;
                    let n1 = b1 - eta * g1;
                    let step = ((n0 - b0) * (n0 - b0) + (n1 - b1) * (n1 - b1)).sqrt();
                    if step <= 1e-5 {
                        break;
                    } else {
                        let fnext = -$f(a0, a1, n0, n1);
                        if fnext < fx {
                            b0 = n0;
                            b1 = n1;
                            fx = fnext;
                            let (_, g) = $f_grad(a0, a1, b0, b1);
                            g0 = -g.2;
                            g1 = -g.3;
                            i += 1.0;
                        } else {
                            eta *= 0.5;
                            i = 0.0;
                        }
                    }
                }
            }
            $f(a0, a1, b0, b1)
        }
    };
}

inner!(
    #[differentiable(mode = reverse)]
    g_rr,
    f_r,
    f_r_grad
);
inner!(
    #[differentiable(mode = reverse)]
    g_rf,
    f_f,
    f_f_grad
);
inner!(
    #[differentiable(mode = forward)]
    g_fr,
    f_r,
    f_r_grad
);
inner!(
    #[differentiable(mode = forward)]
    g_ff,
    f_f,
    f_f_grad
);

/// `g` and its gradient with respect to `a`.
type Variant = (
    fn(f64, f64, f64, f64) -> f64,
    fn(f64, f64, f64, f64) -> (f64, (f64, f64)),
);

/// `[a*₀, a*₁, b*₀, b*₁]`.
fn saddle(start: [f64; 2], (g, g_grad): Variant) -> [f64; 4] {
    let [s0, s1] = start;
    let a = super::descent::argmin(
        |a: [f64; 2]| g(a[0], a[1], s0, s1),
        |a| {
            let (_, (d0, d1)) = g_grad(a[0], a[1], s0, s1);
            [d0, d1]
        },
        start,
    );
    let b = super::descent::argmin(
        |b: [f64; 2]| -f_r(a[0], a[1], b[0], b[1]),
        |b| {
            let (_, g) = f_r_grad(a[0], a[1], b[0], b[1]);
            [-g.2, -g.3]
        },
        start,
    );
    [a[0], a[1], b[0], b[1]]
}

/// `rr`, `rf`, `fr` and `ff`.
pub fn evaluate(function: &str, input: &Value, runner: &Runner) -> Result<Evaluated, String> {
    let start = floats(&input["start"], "start")?;
    let start: [f64; 2] = start
        .try_into()
        .map_err(|s: Vec<f64>| format!("`start` has {} numbers, not 2", s.len()))?;
    let variant: Variant = match function {
        "rr" => (g_rr, g_rr_grad),
        "rf" => (g_rf, g_rf_grad),
        "fr" => (g_fr, g_fr_grad),
        "ff" => (g_ff, g_ff_grad),
        other => {
            return Err(format!(
                "no function `{other}`: saddle has `rr`, `rf`, `fr` and `ff`"
            ))
        }
    };
    let (y, timings) = runner.run(|| saddle(std::hint::black_box(start), variant));
    if y.iter().any(|v| !v.is_finite()) {
        return Err(format!("the descent ended at a non-finite point ({y:?})"));
    }
    Ok(Evaluated {
        output: numbers(&y),
        timings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_gradient_matches_central_differences_in_every_mode() {
        let variants: [(&str, Variant); 4] = [
            ("rr", (g_rr, g_rr_grad)),
            ("rf", (g_rf, g_rf_grad)),
            ("fr", (g_fr, g_fr_grad)),
            ("ff", (g_ff, g_ff_grad)),
        ];
        for (a0, a1) in [(0.7, -0.4), (1.0, 1.0)] {
            let h = 1e-6;
            let fd = [
                (g_rr(a0 + h, a1, 1.0, 1.0) - g_rr(a0 - h, a1, 1.0, 1.0)) / (2.0 * h),
                (g_rr(a0, a1 + h, 1.0, 1.0) - g_rr(a0, a1 - h, 1.0, 1.0)) / (2.0 * h),
            ];
            for (name, (g, grad)) in variants {
                let (v, d) = grad(a0, a1, 1.0, 1.0);
                assert_eq!(v, g(a0, a1, 1.0, 1.0), "{name}");
                for (d, fd) in [d.0, d.1].into_iter().zip(fd) {
                    assert!(
                        (d - fd).abs() <= 1e-6 * (1.0 + fd.abs()),
                        "{name} at ({a0}, {a1}): {d} vs central difference {fd}"
                    );
                }
            }
        }
    }

    #[test]
    fn saddle_point_is_the_reference_value() {
        // the eval's fixed expected value: every entry ≈ 8.2463e-6
        let y = saddle([1.0, 1.0], (g_rr, g_rr_grad));
        for v in y {
            assert!((v - 8.2463e-6).abs() <= 1e-4, "{y:?}");
        }
    }
}
