//! `ode`: classic RK4 (from cmpad) for `y' = f(y)`, `y(0) = 0`, with
//! `f(y)₀ = x₀` and `f(y)ᵢ = xᵢ·yᵢ₋₁`, `s` equal steps from t = 0 to 2;
//! `primal` is `y(2)`, `gradient` the gradient of its last component.
//!
//! `f` is lower bidiagonal, so each stage's component `i` needs only the
//! component `i − 1` of the state and of the previous stage. One sweep per
//! step therefore computes the four stages of each component in order,
//! carrying the previous component's old state and stages in scalars, and
//! writes each element of `y` once per step (a virtual component −1 whose
//! state is 1 and whose stages are 0 gives `f(y)₀ = x₀` the same form).
//! The arithmetic is the textbook RK4's, element for element.
//!
//! The gradient saves `y` before each step, and its reverse restores it,
//! replays the sweep to put the carried values on four tapes, and sweeps
//! back. An in-place stencil form (each component's stages recomputed from
//! the old state of the four before it, `y` updated from the last
//! component down, nothing carried) has no tape and no replay, but
//! measured slower (derivative / primal in CPU time 9.1 against this
//! form's 6.0 at n = 100 000, s = 100; README, GradBench): its reverse adds
//! into eight neighbouring adjoint elements per component.

use macrograd::differentiable;
use serde_json::Value;

use crate::protocol::{floats, numbers, Evaluated, Runner};

/// `y_{n−1}(2)` by RK4 with `s` steps: the function whose gradient the
/// eval asks for. [`ode_solve`] is the same sweep keeping every component.
#[differentiable]
pub fn ode_last(x: &[f64], s: usize) -> f64 {
    let n = x.len();
    let h = 2.0 / (s as f64);
    let mut y = vec![0.0; n];
    for _ in 0..s {
        let mut before = 1.0;
        let mut k1_before = 0.0;
        let mut k2_before = 0.0;
        let mut k3_before = 0.0;
        for i in 0..n {
            let k1 = x[i] * before;
            let k2 = x[i] * (before + 0.5 * h * k1_before);
            let k3 = x[i] * (before + 0.5 * h * k2_before);
            let k4 = x[i] * (before + h * k3_before);
            before = y[i];
            y[i] = before + h * (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0;
            k1_before = k1;
            k2_before = k2;
            k3_before = k3;
        }
    }
    y[n - 1]
}

/// `y(2)`, every component, by the sweep of [`ode_last`] (which returns
/// only the last one; a differentiable function returns one scalar).
pub fn ode_solve(x: &[f64], s: usize, y: &mut [f64]) {
    let h = 2.0 / (s as f64);
    y.fill(0.0);
    for _ in 0..s {
        let mut before = 1.0;
        let (mut k1_before, mut k2_before, mut k3_before) = (0.0, 0.0, 0.0);
        for (xi, yi) in x.iter().zip(y.iter_mut()) {
            let k1 = xi * before;
            let k2 = xi * (before + 0.5 * h * k1_before);
            let k3 = xi * (before + 0.5 * h * k2_before);
            let k4 = xi * (before + h * k3_before);
            before = *yi;
            *yi = before + h * (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0;
            (k1_before, k2_before, k3_before) = (k1, k2, k3);
        }
    }
}

/// `primal` and `gradient`.
pub fn evaluate(function: &str, input: &Value, runner: &Runner) -> Result<Evaluated, String> {
    let x = floats(&input["x"], "x")?;
    if x.is_empty() {
        return Err("`x` is empty: the ODE needs at least one component".into());
    }
    let s = input["s"]
        .as_u64()
        .and_then(|s| usize::try_from(s).ok())
        .filter(|&s| s >= 1)
        .ok_or_else(|| format!("`s` must be an integer of at least 1, not {}", input["s"]))?;
    match function {
        "primal" => {
            let mut y = vec![0.0; x.len()];
            let (_, timings) = runner.run(|| ode_solve(&x, s, &mut y));
            Ok(Evaluated {
                output: numbers(&y),
                timings,
            })
        }
        "gradient" => {
            let mut d = vec![0.0; x.len()];
            let (_, timings) = runner.run(|| {
                d.fill(0.0);
                ode_last_grad_into(&x, s, &mut d)
            });
            Ok(Evaluated {
                output: numbers(&d),
                timings,
            })
        }
        other => Err(format!(
            "no function `{other}`: ode has `primal` and `gradient`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evals::testing::{assert_gradient_matches_central_differences, pseudo_random};

    /// Textbook RK4 over whole vectors: `k1 = f(y)`, `k2 = f(y + h/2·k1)`,
    /// `k3 = f(y + h/2·k2)`, `k4 = f(y + h·k3)`, `y += h(k1 + 2k2 + 2k3 + k4)/6`.
    fn by_the_formula(x: &[f64], s: usize) -> Vec<f64> {
        let n = x.len();
        let f = |y: &[f64]| -> Vec<f64> {
            (0..n)
                .map(|i| if i == 0 { x[0] } else { x[i] * y[i - 1] })
                .collect()
        };
        let axpy = |y: &[f64], a: f64, k: &[f64]| -> Vec<f64> {
            y.iter().zip(k).map(|(y, k)| y + a * k).collect()
        };
        let h = 2.0 / s as f64;
        let mut y = vec![0.0; n];
        for _ in 0..s {
            let k1 = f(&y);
            let k2 = f(&axpy(&y, 0.5 * h, &k1));
            let k3 = f(&axpy(&y, 0.5 * h, &k2));
            let k4 = f(&axpy(&y, h, &k3));
            for i in 0..n {
                y[i] += h * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]) / 6.0;
            }
        }
        y
    }

    #[test]
    fn solution_is_textbook_rk4_and_near_the_exact_one() {
        let x = pseudo_random(7, 4);
        for s in [1, 3, 10] {
            let mut y = vec![0.0; x.len()];
            ode_solve(&x, s, &mut y);
            let e = by_the_formula(&x, s);
            for (a, e) in y.iter().zip(&e) {
                assert!(
                    (a - e).abs() <= 1e-13 * (1.0 + e.abs()),
                    "s = {s}: {a} vs {e}"
                );
            }
            assert_eq!(ode_last(&x, s), y[x.len() - 1]);
        }
        // the exact solution: y_i(t) = x_0⋯x_i · t^(i+1)/(i+1)!
        let mut y = vec![0.0; x.len()];
        ode_solve(&x, 200, &mut y);
        let mut exact = 1.0;
        for (i, (xi, yi)) in x.iter().zip(&y).enumerate() {
            exact *= xi * 2.0 / (i + 1) as f64;
            assert!((yi - exact).abs() < 1e-9, "y_{i}: {yi} vs {exact}");
        }
    }

    #[test]
    fn gradient_matches_central_differences() {
        // one step reaches four components deep: n = 4 for s = 1
        for (n, s) in [(4, 1), (6, 4)] {
            let x: Vec<f64> = pseudo_random(n, 9).iter().map(|v| 0.5 + v).collect();
            let (_, g) = ode_last_grad(&x, s);
            assert!(g.iter().all(|&gi| gi != 0.0), "{g:?}");
            assert_gradient_matches_central_differences(&x, &g, |x| {
                by_the_formula(x, s)[x.len() - 1]
            });
        }
    }
}
