//! `llsq`: linear least squares (from cmpad),
//! `y(x) = ½ Σᵢ (sᵢ − Σⱼ xⱼ tᵢʲ)²` with `tᵢ = −1 + 2i/(n−1)`,
//! `sᵢ = sign(tᵢ)` (sign(0) = 0), and its gradient.

use macrograd::differentiable;
use serde_json::Value;

use crate::protocol::{floats, Evaluated, Runner};

/// The objective over `n` sample points of a polynomial with coefficients
/// `x` (Horner's scheme would do too; the powers are written out as the
/// eval states them).
#[differentiable]
pub fn llsq_objective(x: &[f64], n: usize) -> f64 {
    let mut y = 0.0;
    for i in 0..n {
        let t = -1.0 + 2.0 * (i as f64) / ((n - 1) as f64);
        let s = if t > 0.0 {
            1.0
        } else if t < 0.0 {
            -1.0
        } else {
            0.0
        };
        let mut p = 0.0;
        let mut tj = 1.0;
        for &xj in x {
            p += xj * tj;
            tj *= t;
        }
        let r = s - p;
        y += r * r;
    }
    0.5 * y
}

/// `primal` and `gradient`.
pub fn evaluate(function: &str, input: &Value, runner: &Runner) -> Result<Evaluated, String> {
    let x = floats(&input["x"], "x")?;
    let n = input["n"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n >= 2)
        .ok_or_else(|| format!("`n` must be an integer of at least 2, not {}", input["n"]))?;
    super::primal_or_gradient(
        "llsq",
        function,
        runner,
        x.len(),
        || llsq_objective(&x, n),
        |d| llsq_objective_grad_into(&x, n, d),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evals::testing::{assert_gradient_matches_central_differences, pseudo_random};

    /// The objective as the eval states it, with `powi` for the powers.
    fn by_the_formula(x: &[f64], n: usize) -> f64 {
        (0..n)
            .map(|i| {
                let t = -1.0 + 2.0 * i as f64 / (n - 1) as f64;
                let s = if t == 0.0 { 0.0 } else { t.signum() };
                let p: f64 = x
                    .iter()
                    .enumerate()
                    .map(|(j, xj)| xj * t.powi(j as i32))
                    .sum();
                0.5 * (s - p) * (s - p)
            })
            .sum()
    }

    #[test]
    fn value_is_the_stated_sum() {
        let x = pseudo_random(6, 2);
        for n in [2, 3, 7, 16] {
            let (a, e) = (llsq_objective(&x, n), by_the_formula(&x, n));
            assert!(
                (a - e).abs() <= 1e-12 * e.abs().max(1.0),
                "n = {n}: {a} vs {e}"
            );
        }
    }

    #[test]
    fn gradient_matches_central_differences() {
        let x = pseudo_random(6, 3);
        let (_, g) = llsq_objective_grad(&x, 11);
        assert_gradient_matches_central_differences(&x, &g, |x| llsq_objective(x, 11));
    }
}
