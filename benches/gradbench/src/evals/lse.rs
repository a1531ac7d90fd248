//! `lse`: log-sum-exp, `max(x) + ln Σ exp(xᵢ − max(x))`, and its gradient
//! (the softmax of x), written from primitives.

use macrograd::differentiable;
use serde_json::Value;

use crate::protocol::{floats, Evaluated, Runner};

/// Log-sum-exp with the largest element shifted out, so no `exp`
/// overflows. `record`: the gradient keeps each `exp(xᵢ − m)` (one float
/// per element) for its backward pass instead of calling `exp` again.
#[differentiable(record)]
pub fn logsumexp(x: &[f64]) -> f64 {
    let mut m = x[0];
    for &xi in x {
        m = m.max(xi);
    }
    let mut s = 0.0;
    for &xi in x {
        s += (xi - m).exp();
    }
    m + s.ln()
}

/// `primal` and `gradient`.
pub fn evaluate(function: &str, input: &Value, runner: &Runner) -> Result<Evaluated, String> {
    let x = floats(&input["x"], "x")?;
    if x.is_empty() {
        return Err("`x` is empty: log-sum-exp needs at least one element".into());
    }
    super::primal_or_gradient(
        "lse",
        function,
        runner,
        x.len(),
        || logsumexp(&x),
        |d| logsumexp_grad_into(&x, d),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evals::testing::{assert_gradient_matches_central_differences, pseudo_random};

    #[test]
    fn value_is_the_log_of_the_sum_of_exponentials() {
        let x = [0.5, -1.0, 2.0, 0.25];
        let direct = x.iter().map(|v: &f64| v.exp()).sum::<f64>().ln();
        assert!((logsumexp(&x) - direct).abs() < 1e-14);
        assert_eq!(logsumexp(&[3.0]), 3.0);
    }

    #[test]
    fn gradient_is_the_softmax_and_matches_central_differences() {
        let x = pseudo_random(9, 1);
        let (_, g) = logsumexp_grad(&x);
        let total: f64 = x.iter().map(|v| v.exp()).sum();
        for (gi, xi) in g.iter().zip(&x) {
            assert!((gi - xi.exp() / total).abs() < 1e-14);
        }
        assert_gradient_matches_central_differences(&x, &g, logsumexp);
    }
}
