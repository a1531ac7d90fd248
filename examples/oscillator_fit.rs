//! Fit a simulation to measurements: recover the stiffness and damping of a
//! damped spring from a noisy recording of its position.
//!
//! The spring `x'' = −k·x − c·x'` is integrated by semi-implicit Euler for
//! as many steps as there are measurements (a run-time loop). The loss is
//! the mean squared gap between the simulated and the measured positions;
//! `#[differentiable]` writes its gradient with respect to `k` and `c`,
//! whose reverse sweep runs the steps backwards from a tape of the state
//! (2 values per step, allocated once per call). Adam then fits `(k, c)`
//! from a wrong first guess.
//!
//! `cargo run --release --example oscillator_fit`

#[path = "common/no_options.rs"]
mod no_options;

use macrograd::differentiable;
use macrograd::optim::{Adam, Optimizer};
use macrograd::rng::{seeded, standard_normal};

/// The spring the measurements come from.
const TRUE_K: f64 = 4.0;
/// See [`TRUE_K`].
const TRUE_C: f64 = 0.3;
/// The time step of the simulation and of the measurements.
const DT: f64 = 0.01;

/// The positions of the spring `(k, c)` released at `x = 1` with no
/// velocity, one per time step, `steps` of them.
fn simulate(k: f64, c: f64, steps: usize) -> Vec<f64> {
    let (mut x, mut v) = (1.0, 0.0);
    (0..steps)
        .map(|_| {
            v += DT * (-k * x - c * v);
            x += DT * v;
            x
        })
        .collect()
}

/// The mean squared gap between the simulated positions of the spring
/// `(k, c)` and the `measured` ones.
#[differentiable]
fn misfit(k: f64, c: f64, #[nograd] measured: &[f64], #[nograd] dt: f64) -> f64 {
    let mut x = 1.0;
    let mut v = 0.0;
    let mut gap = 0.0;
    for &m in measured {
        v += dt * (-k * x - c * v);
        x += dt * v;
        gap += (x - m) * (x - m);
    }
    gap / measured.len() as f64
}

/// Fits `(k, c)` from `guess` by `steps` Adam steps; `report(step, loss,
/// (k, c))` sees each step's loss before the step.
fn fit(
    measured: &[f64],
    guess: (f64, f64),
    steps: usize,
    mut report: impl FnMut(usize, f64, (f64, f64)),
) -> Result<(f64, f64), macrograd::Error> {
    let mut spring = guess;
    let mut adam = Adam::with_lr(0.05);
    for step in 0..steps {
        let (loss, grad) = misfit_grad(spring.0, spring.1, measured, DT);
        report(step, loss, spring);
        adam.step(&mut spring, &grad)?;
    }
    Ok(spring)
}

fn main() -> Result<(), macrograd::Error> {
    no_options::handle(
        "usage: oscillator_fit\n\nRecovers a damped spring's stiffness and damping from 600 noisy position measurements by gradient descent through the simulation.",
    );
    let mut rng = seeded(7);
    let measured: Vec<f64> = simulate(TRUE_K, TRUE_C, 600)
        .into_iter()
        .map(|x| x + 0.02 * standard_normal(&mut rng))
        .collect();
    println!("600 measurements of a spring with k = {TRUE_K}, c = {TRUE_C} (noise 0.02)");
    let (k, c) = fit(&measured, (3.0, 1.0), 200, |step, loss, (k, c)| {
        if step % 25 == 0 {
            println!("step {step:3}: loss = {loss:.6}  k = {k:.4}  c = {c:.4}");
        }
    })?;
    println!("fitted: k = {k:.4}, c = {c:.4}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_central_differences() {
        let measured = simulate(3.5, 0.5, 200);
        let (_, (dk, dc)) = misfit_grad(4.0, 0.3, &measured, DT);
        let h = 1e-6;
        let fd_k =
            (misfit(4.0 + h, 0.3, &measured, DT) - misfit(4.0 - h, 0.3, &measured, DT)) / (2.0 * h);
        let fd_c =
            (misfit(4.0, 0.3 + h, &measured, DT) - misfit(4.0, 0.3 - h, &measured, DT)) / (2.0 * h);
        assert!(
            (dk - fd_k).abs() <= 1e-6 * (1.0 + fd_k.abs()),
            "{dk} vs {fd_k}"
        );
        assert!(
            (dc - fd_c).abs() <= 1e-6 * (1.0 + fd_c.abs()),
            "{dc} vs {fd_c}"
        );
    }

    #[test]
    fn misfit_is_zero_on_the_simulation_itself() {
        let measured = simulate(TRUE_K, TRUE_C, 300);
        assert_eq!(misfit(TRUE_K, TRUE_C, &measured, DT), 0.0);
    }

    #[test]
    fn fit_recovers_the_spring_from_noisy_measurements() {
        let mut rng = seeded(3);
        let measured: Vec<f64> = simulate(TRUE_K, TRUE_C, 600)
            .into_iter()
            .map(|x| x + 0.02 * standard_normal(&mut rng))
            .collect();
        let mut losses = Vec::new();
        let (k, c) = fit(&measured, (3.0, 1.0), 200, |_, loss, _| losses.push(loss)).unwrap();
        assert!((k - TRUE_K).abs() < 0.05, "k = {k}");
        assert!((c - TRUE_C).abs() < 0.05, "c = {c}");
        assert!(losses[199] < losses[0] / 10.0, "{losses:?}");
    }
}
