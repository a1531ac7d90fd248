//! The README's "Loops over run-time data" example, as written there, with
//! its values checked against closed forms.

// the bodies index buffers in loops and write `v[i] = v[i] …` on purpose: those are the forms tested
#![allow(
    clippy::needless_range_loop,
    clippy::assign_op_pattern,
    clippy::manual_memcpy
)]

use macrograd::differentiable;

#[differentiable]
fn least_squares(w: f64, b: f64, #[nograd] xs: &[f64], #[nograd] ys: &[f64]) -> f64 {
    let mut s = 0.0;
    for (&x, &y) in xs.iter().zip(ys) {
        let r = w * x + b - y;
        s += r * r;
    }
    s
}

#[differentiable]
fn euler(x0: f64, k: f64, #[nograd] h: f64, steps: usize) -> f64 {
    let mut x = x0;
    for _ in 0..steps {
        x += h * (-k * x * x);
    }
    x
}

#[differentiable]
fn logsumexp(x: &[f64]) -> f64 {
    let m = x.iter().fold(x[0], |m, &v| m.max(v));
    m + x.iter().map(|&v| (v - m).exp()).sum::<f64>().ln()
}

#[test]
fn least_squares_gradient_is_the_closed_form() {
    // r = (0.5 − 1, 1 − 3) = (−0.5, −2): Σr² = 4.25, ∂w = Σ2r·x, ∂b = Σ2r
    let (loss, (dw, db)) = least_squares_grad(0.5, 0.0, &[1.0, 2.0], &[1.0, 3.0]);
    assert_eq!(loss, 4.25);
    assert_eq!(
        (dw, db),
        (2.0 * -0.5 * 1.0 + 2.0 * -2.0 * 2.0, 2.0 * -0.5 + 2.0 * -2.0)
    );
}

#[test]
fn euler_gradient_follows_the_recurrence() {
    // x ← x − h·k·x²: ∂x'/∂x = 1 − 2hkx, ∂x'/∂k = −h·x², chained by hand
    let (x0, k, h, steps) = (1.0, 0.5, 0.01, 100);
    let (mut x, mut dx0, mut dk) = (x0, 1.0, 0.0);
    for _ in 0..steps {
        let (dxdx, dxdk) = (1.0 - 2.0 * h * k * x, -h * x * x);
        dk = dxdx * dk + dxdk;
        dx0 *= dxdx;
        x += h * (-k * x * x);
    }
    let (v, (g0, gk)) = euler_grad(x0, k, h, steps);
    assert!((v - x).abs() < 1e-15);
    assert!(
        (g0 - dx0).abs() < 1e-14 && (gk - dk).abs() < 1e-14,
        "{g0} {gk} vs {dx0} {dk}"
    );
}

#[test]
fn logsumexp_gradient_is_the_softmax() {
    let xs = [1.0, 2.0, 3.0];
    let total: f64 = xs.iter().map(|v: &f64| v.exp()).sum();
    let (v, dx) = logsumexp_grad(&xs);
    assert!((v - total.ln()).abs() < 1e-14);
    for (d, x) in dx.iter().zip(xs) {
        assert!((d - x.exp() / total).abs() < 1e-15);
    }
    let mut d = vec![1.0; 3];
    let v2 = logsumexp_grad_into(&xs, &mut d);
    assert_eq!(v2, v);
    for (a, b) in d.iter().zip(&dx) {
        assert!((a - (1.0 + b)).abs() < 1e-15, "adds into the buffer");
    }
}

#[differentiable]
fn euler_until(x0: &[f64], k: f64, #[nograd] h: f64, steps: usize) -> f64 {
    let mut x = vec![0.0; x0.len()];
    for i in 0..x0.len() {
        x[i] = x0[i];
    }
    for _ in 0..steps {
        if x[0] < 0.1 {
            break;
        }
        for i in 0..x.len() {
            x[i] -= h * k * x[i];
        }
    }
    x.len() as f64 * x[0]
}

#[test]
fn euler_until_stops_at_the_threshold() {
    // each step halves the state (h·k = 0.5): x[0] = 1, ½, ¼, ⅛, 1/16 < 0.1
    // stops after m = 4 steps; f = 2·x0[0]·½^m, ∂f/∂k = 2·x0[0]·m·½^(m−1)·(−h)
    let (v, (d_x0, d_k)) = euler_until_grad(&[1.0, 2.0], 1.0, 0.5, 10);
    assert_eq!(v, 2.0 * 0.0625);
    assert_eq!(d_x0, vec![2.0 * 0.0625, 0.0]);
    assert_eq!(d_k, 2.0 * 4.0 * 0.125 * -0.5);
}
