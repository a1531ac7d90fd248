//! Loops nested in loops, branches and calls.

use macrograd::differentiable;

#[differentiable]
fn bump(x: f64, c: f64) -> f64 {
    (x - c).powi(2) * 0.5
}

/// An ODE integrated per data point (a state loop nested in a loop
/// over data), a loop inside a run-time `if`, and a call in a loop.
#[differentiable]
fn composite(k: f64, c: f64, #[nograd] xs: &[f64], steps: usize) -> f64 {
    let mut loss = 0.0;
    for &x0 in xs {
        let mut x = x0;
        for _ in 0..steps {
            x = x - 0.125 * k * x * x;
        }
        loss += bump(x, c);
    }
    if k > 0.5 {
        let mut p = 1.0;
        for &x in xs {
            p *= 1.0 + 0.1 * k * x;
        }
        loss += p;
    }
    let mut y = c;
    while y.abs() > 0.125 {
        y = 0.5 * y * k;
    }
    loss + y
}

#[test]
fn nested_state_loops_branches_and_calls() {
    let xs = [0.5, 1.5, -0.25];
    for (k, c) in [(0.75, 0.25), (0.25, -0.5), (1.5, 2.0)] {
        for steps in [0usize, 1, 4] {
            let (v, (dk, dc)) = composite_grad(k, c, &xs, steps);
            assert_eq!(v, composite(k, c, &xs, steps));
            let fd = super::numeric_grad(|p| composite(p[0], p[1], &xs, steps), &[k, c]);
            super::assert_all_close(
                &[dk, dc],
                &fd,
                super::TOL_FD,
                &format!("k = {k}, c = {c}, steps = {steps}"),
            );
        }
    }
}
