//! The evals macrograd implements, each in its own module, written once as
//! ordinary Rust with `#[differentiable]`: every derivative an eval asks
//! for comes from the macro.

mod ba;
mod descent;
mod det;
pub mod gmm;
mod hello;
mod ht;
mod kmeans;
mod llsq;
mod lse;
mod lstm;
mod ode;
mod particle;
mod saddle;

use crate::protocol::{number, numbers, Eval, Evaluated, Runner};

/// Every implemented eval; `define` succeeds for these modules only.
pub static EVALS: [Eval; 12] = [
    Eval {
        module: "ba",
        evaluate: ba::evaluate,
    },
    Eval {
        module: "det",
        evaluate: det::evaluate,
    },
    Eval {
        module: "gmm",
        evaluate: gmm::evaluate,
    },
    Eval {
        module: "hello",
        evaluate: hello::evaluate,
    },
    Eval {
        module: "ht",
        evaluate: ht::evaluate,
    },
    Eval {
        module: "kmeans",
        evaluate: kmeans::evaluate,
    },
    Eval {
        module: "llsq",
        evaluate: llsq::evaluate,
    },
    Eval {
        module: "lse",
        evaluate: lse::evaluate,
    },
    Eval {
        module: "lstm",
        evaluate: lstm::evaluate,
    },
    Eval {
        module: "ode",
        evaluate: ode::evaluate,
    },
    Eval {
        module: "particle",
        evaluate: particle::evaluate,
    },
    Eval {
        module: "saddle",
        evaluate: saddle::evaluate,
    },
];

/// Evaluates a scalar function of one slice: `primal` gives its value,
/// `gradient` its gradient, written by `grad_into` into a buffer of `len`
/// allocated once (zeroed before each run, since it adds into it).
fn primal_or_gradient(
    module: &str,
    function: &str,
    runner: &Runner,
    len: usize,
    primal: impl Fn() -> f64,
    grad_into: impl Fn(&mut [f64]) -> f64,
) -> Result<Evaluated, String> {
    match function {
        "primal" => {
            let (y, timings) = runner.run(primal);
            Ok(Evaluated {
                output: number(y),
                timings,
            })
        }
        "gradient" => {
            let mut d = vec![0.0; len];
            let (_, timings) = runner.run(|| {
                d.fill(0.0);
                grad_into(&mut d)
            });
            Ok(Evaluated {
                output: numbers(&d),
                timings,
            })
        }
        other => Err(format!(
            "no function `{other}`: {module} has `primal` and `gradient`"
        )),
    }
}

/// What the evals' unit tests share: inputs and a finite-difference check.
#[cfg(test)]
pub(crate) mod testing {
    /// `n` values in [0, 1) from a small linear congruential generator.
    pub fn pseudo_random(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    /// Each element of `grad` against the central difference of `f` at `x`
    /// (step 1e-6), to 1e-6 relative mixed with 1e-6 absolute.
    pub fn assert_gradient_matches_central_differences(
        x: &[f64],
        grad: &[f64],
        f: impl Fn(&[f64]) -> f64,
    ) {
        assert_eq!(x.len(), grad.len());
        let h = 1e-6;
        let mut p = x.to_vec();
        for i in 0..x.len() {
            p[i] = x[i] + h;
            let up = f(&p);
            p[i] = x[i] - h;
            let down = f(&p);
            p[i] = x[i];
            let fd = (up - down) / (2.0 * h);
            assert!(
                (grad[i] - fd).abs() <= 1e-6 * (1.0 + fd.abs()),
                "element {i}: gradient {} vs central difference {fd}",
                grad[i]
            );
        }
    }
}
