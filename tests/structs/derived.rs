//! The derived functions of struct parameters and methods (`_jvp`,
//! `_vjp`, `_jacobian`, `_hessian`, `_hvp`), helpers returning arrays
//! called with struct arguments, and functions returning a struct: their
//! own `_vjp`/`_jvp` and their calls in differentiable bodies, straight-line
//! and in a run-time loop.

use super::*;
use common::numeric_grad;

/// (value, ∂ω, ∂θ, ∂k) of `energy_k` and its Hessian over (ω, θ, k), from
/// calculus: E = ½ω²k + 1 − cos θ.
fn energy_k_closed(theta: f64, omega: f64, k: f64) -> (f64, [f64; 3], [[f64; 3]; 3]) {
    let v = 0.5 * omega * omega * k + (1.0 - theta.cos());
    let g = [omega * k, theta.sin(), 0.5 * omega * omega];
    let h = [[k, 0.0, omega], [0.0, theta.cos(), 0.0], [omega, 0.0, 0.0]];
    (v, g, h)
}

#[test]
fn jvp_hvp_and_hessian_of_a_struct_parameter() {
    for (theta, omega, k) in [(0.3, -1.2, 2.5), (1.7, 0.4, -0.8), (-2.0, 0.9, 1.1)] {
        let (cv, cg, ch) = energy_k_closed(theta, omega, k);
        let s = c64::State { theta, omega };
        // tangent / direction (vθ, vω, vk)
        let (vt, vo, vk) = (0.7, -0.35, 1.9);
        let dir = c64::State {
            theta: vt,
            omega: vo,
        };
        let (v, jv) = c64::energy_k_jvp(&s, k, (dir, vk));
        assert_all_close(&[v], &[cv], TOL_64, "energy_k value");
        let expected_jv = cg[0] * vo + cg[1] * vt + cg[2] * vk;
        assert_all_close(&[jv], &[expected_jv], TOL_64, "energy_k J·v");
        // the JVP against a central difference along the direction
        let along = |t: f64| {
            let s = c64::State {
                theta: theta + t * vt,
                omega: omega + t * vo,
            };
            c64::energy_k(&s, k + t * vk)
        };
        assert_all_close(
            &[jv],
            &[common::central_diff(along, 0.0)],
            1e-8,
            "J·v vs differences",
        );
        let (v, (gs, gk), (hs, hk)) = c64::energy_k_hvp(&s, k, (dir, vk));
        assert_all_close(&[v], &[cv], TOL_64, "hvp value");
        assert_all_close(&[gs.omega, gs.theta, gk], &cg, TOL_64, "hvp gradient");
        let vv = [vo, vt, vk];
        let hv: Vec<f64> = ch
            .iter()
            .map(|row| row.iter().zip(&vv).map(|(a, b)| a * b).sum())
            .collect();
        assert_all_close(&[hs.omega, hs.theta, hk], &hv, TOL_64, "H·v");
        let (_, (hgs, hgk), h) = c64::energy_k_hessian(&s, k);
        assert_all_close(
            &[hgs.omega, hgs.theta, hgk],
            &cg,
            TOL_64,
            "hessian gradient",
        );
        let flat: Vec<f64> = h.iter().flatten().copied().collect();
        let cflat: Vec<f64> = ch.iter().flatten().copied().collect();
        assert_all_close(&flat, &cflat, TOL_64, "Hessian over (ω, θ, k)");
        // f32: the same products against the closed forms
        let s32 = c32::State {
            theta: theta as f32,
            omega: omega as f32,
        };
        let dir32 = c32::State {
            theta: vt as f32,
            omega: vo as f32,
        };
        let (_, jv32) = c32::energy_k_jvp(&s32, k as f32, (dir32, vk as f32));
        assert_all_close(&[f64::from(jv32)], &[expected_jv], 1e-5, "f32 J·v");
        let (_, _, (hs32, hk32)) = c32::energy_k_hvp(&s32, k as f32, (dir32, vk as f32));
        assert_all_close(
            &[
                f64::from(hs32.omega),
                f64::from(hs32.theta),
                f64::from(hk32),
            ],
            &hv,
            1e-5,
            "f32 H·v",
        );
    }
}

#[test]
fn vjp_jvp_and_jacobian_of_a_vector_result_with_a_struct_parameter() {
    let h = 0.1;
    for (theta, omega) in [(0.3, -1.2), (1.7, 0.4)] {
        let s = c64::State { theta, omega };
        let y = [theta + h * omega, omega - h * theta.sin()];
        // J over (θ, ω)
        let j = [[1.0, h], [-h * theta.cos(), 1.0]];
        let u = [0.6, -1.3];
        let (v, d) = c64::step_arr_vjp(s, h, u);
        assert_all_close(&v, &y, TOL_64, "step value");
        assert_all_close(
            &[d.theta, d.omega],
            &[
                u[0] * j[0][0] + u[1] * j[1][0],
                u[0] * j[0][1] + u[1] * j[1][1],
            ],
            TOL_64,
            "uᵀJ as a State",
        );
        let t = c64::State {
            theta: 0.25,
            omega: -0.8,
        };
        let (_, jt) = c64::step_arr_jvp(s, h, t);
        let expected = [
            j[0][0] * t.theta + j[0][1] * t.omega,
            j[1][0] * t.theta + j[1][1] * t.omega,
        ];
        assert_all_close(&jt, &expected, TOL_64, "J·t");
        for (i, row) in j.iter().enumerate() {
            let fd = numeric_grad(|p| c64::step_arr(state64(p), h)[i], &[theta, omega]);
            assert_all_close(row, &fd, 1e-8, "J row vs differences");
        }
        // the Jacobian's columns follow the fields' first reads, as its
        // rustdoc lists them: `s.theta + h * s.omega` settles `h * s.omega`
        // before the sum, so (ω, θ)
        let (_, jac) = c64::step_arr_jacobian(s, h);
        let flat: Vec<f64> = jac.iter().flatten().copied().collect();
        assert_all_close(
            &flat,
            &[j[0][1], j[0][0], j[1][1], j[1][0]],
            TOL_64,
            "Jacobian over (ω, θ)",
        );
        let (_, d32) = c32::step_arr_vjp(
            state32(&[theta as f32, omega as f32]),
            h as f32,
            [0.6, -1.3],
        );
        assert_all_close(
            &[f64::from(d32.theta), f64::from(d32.omega)],
            &[d.theta, d.omega],
            1e-5,
            "f32 uᵀJ",
        );
    }
}

#[test]
fn struct_argument_to_a_helper_returning_an_array() {
    let h = 0.1;
    for (theta, omega) in [(0.3_f64, -1.2), (1.7, 0.4)] {
        // f = a² + b·θ with a = θ + hω, b = ω − h sin θ
        let a = theta + h * omega;
        let b = omega - h * theta.sin();
        let expected = [
            2.0 * a + (-h * theta.cos()) * theta + b,
            2.0 * a * h + theta,
        ];
        let (v, d) = c64::step_loss_grad(state64(&[theta, omega]), h);
        assert_all_close(&[v], &[a * a + b * theta], TOL_64, "step_loss value");
        let (_, d32) = c32::step_loss_grad(state32(&[theta as f32, omega as f32]), h as f32);
        check_both_floats(
            "step_loss",
            &[theta, omega],
            &[d.theta, d.omega],
            &[d32.theta, d32.omega],
            |p| c64::step_loss(state64(p), h),
            |p| c32::step_loss(state32(p), h as f32),
            &expected,
        );
    }
}

#[test]
fn struct_literal_to_a_helper_returning_an_array_in_both_modes() {
    let h = 0.1;
    for (theta, omega) in [(0.3_f64, -1.2), (1.7, 0.4)] {
        // f = a·b with a = θ + h·2ω, b = 2ω − h sin θ
        let a = theta + h * 2.0 * omega;
        let b = 2.0 * omega - h * theta.sin();
        let expected = [b + a * (-h * theta.cos()), 2.0 * h * b + 2.0 * a];
        let (v, (dt, dw)) = c64::step_lit_grad(theta, omega);
        assert_all_close(&[v], &[a * b], TOL_64, "step_lit value");
        let (_, (dt32, dw32)) = c32::step_lit_grad(theta as f32, omega as f32);
        check_both_floats(
            "step_lit",
            &[theta, omega],
            &[dt, dw],
            &[dt32, dw32],
            |p| c64::step_lit(p[0], p[1]),
            |p| c32::step_lit(p[0], p[1]),
            &expected,
        );
        let (_, jv) = c64::step_lit_jvp(theta, omega, (0.4, -0.7));
        assert_all_close(
            &[jv],
            &[expected[0] * 0.4 - expected[1] * 0.7],
            TOL_64,
            "step_lit J·v",
        );
    }
}

mod results {
    //! A function returning a struct: `_vjp` takes a cotangent of the
    //! struct's type, `_jvp` gives a tangent of it.
    use super::c64::State;
    use macrograd::differentiable;

    /// One explicit Euler step of a pendulum.
    #[differentiable]
    pub fn step(s: State, #[nograd] h: f64) -> State {
        State {
            theta: s.theta + h * s.omega,
            omega: s.omega - h * s.theta.sin(),
        }
    }

    /// Two steps taken in a differentiable body: each call is pulled back
    /// through `step`'s VJP (reverse) or carried through its JVP
    /// (forward); the second call reads one field only.
    #[differentiable]
    pub fn two_steps(s: State, #[nograd] h: f64) -> f64 {
        let State { theta, omega } = step(s, h);
        let State { theta: t2, .. } = step(State { theta, omega }, h);
        t2 * t2 + omega
    }

    /// The same, one float parameter: its gradient is taken in forward
    /// mode, through `step_jvp`.
    #[differentiable]
    pub fn two_steps_of(theta: f64, #[nograd] h: f64) -> f64 {
        let State { theta, omega } = step(State { theta, omega: 0.5 }, h);
        let State { theta: t2, .. } = step(State { theta, omega }, h);
        t2 * t2 + omega
    }

    /// A pendulum integrated for a run-time number of steps, its state
    /// carried as floats and rebuilt for each call of `step` (the reverse
    /// sweep keeps the state of each step; see `pendulum_loss_grad`'s
    /// rustdoc).
    #[differentiable]
    pub fn pendulum_loss(s: State, #[nograd] h: f64, steps: usize) -> f64 {
        let mut th = s.theta;
        let mut om = s.omega;
        for _ in 0..steps {
            let State { theta, omega } = step(
                State {
                    theta: th,
                    omega: om,
                },
                h,
            );
            th = theta;
            om = omega;
        }
        th * th + om * om
    }

    /// A field copied from a parameter, another from a constant.
    #[differentiable]
    pub fn swap(s: &State, k: f64) -> State {
        State {
            theta: s.omega,
            omega: k * s.theta + 1.0,
        }
    }
}

#[test]
fn struct_result_vjp_and_jvp() {
    let h = 0.1;
    for (theta, omega) in [(0.3_f64, -1.2), (1.7, 0.4)] {
        let s = c64::State { theta, omega };
        let next = c64::State {
            theta: theta + h * omega,
            omega: omega - h * theta.sin(),
        };
        assert_eq!(results::step(s, h), next);
        // J over (θ, ω): [[1, h], [−h cos θ, 1]]
        let u = c64::State {
            theta: 0.6,
            omega: -1.3,
        };
        let (v, d) = results::step_vjp(s, h, u);
        assert_all_close(
            &[v.theta, v.omega],
            &[next.theta, next.omega],
            TOL_64,
            "step value",
        );
        assert_all_close(
            &[d.theta, d.omega],
            &[u.theta - u.omega * h * theta.cos(), u.theta * h + u.omega],
            TOL_64,
            "uᵀJ as a State",
        );
        let t = c64::State {
            theta: 0.25,
            omega: -0.8,
        };
        let (v, jt) = results::step_jvp(s, h, t);
        assert_eq!(v, next);
        assert_all_close(
            &[jt.theta, jt.omega],
            &[t.theta + h * t.omega, -h * theta.cos() * t.theta + t.omega],
            TOL_64,
            "J·t as a State",
        );
        // against differences of each output field
        for (i, row) in [[1.0, h], [-h * theta.cos(), 1.0]].iter().enumerate() {
            let fd = numeric_grad(
                |p| {
                    let r = results::step(state64(p), h);
                    [r.theta, r.omega][i]
                },
                &[theta, omega],
            );
            assert_all_close(row, &fd, 1e-8, "step J row vs differences");
        }
        let k = 1.5;
        let (v, (ds, dk)) = results::swap_vjp(&s, k, u);
        assert_all_close(
            &[v.theta, v.omega],
            &[omega, k * theta + 1.0],
            TOL_64,
            "swap value",
        );
        assert_all_close(
            &[ds.theta, ds.omega, dk],
            &[u.omega * k, u.theta, u.omega * theta],
            TOL_64,
            "swap uᵀJ",
        );
        let (_, jt) = results::swap_jvp(&s, k, (t, 0.5));
        assert_all_close(
            &[jt.theta, jt.omega],
            &[t.omega, k * t.theta + 0.5 * theta],
            TOL_64,
            "swap J·t",
        );
    }
}

/// `two_steps` by hand: (value, ∂θ, ∂ω) of t2² + ω1 after two Euler steps.
fn two_steps_closed(theta: f64, omega: f64, h: f64) -> (f64, f64, f64) {
    // step: (θ, ω) ↦ (θ + hω, ω − h sin θ), Jacobian [[1, h], [−h cos θ, 1]]
    let (t1, w1) = (theta + h * omega, omega - h * theta.sin());
    let t2 = t1 + h * w1;
    // ∂t2/∂(t1, w1) = (1 − 0·…, …): t2 = t1 + h·w1
    let (dt2_dt1, dt2_dw1) = (1.0, h);
    let (dt1_dth, dt1_dw) = (1.0, h);
    let (dw1_dth, dw1_dw) = (-h * theta.cos(), 1.0);
    let dth = 2.0 * t2 * (dt2_dt1 * dt1_dth + dt2_dw1 * dw1_dth) + dw1_dth;
    let dw = 2.0 * t2 * (dt2_dt1 * dt1_dw + dt2_dw1 * dw1_dw) + dw1_dw;
    (t2 * t2 + w1, dth, dw)
}

#[test]
fn struct_results_called_in_differentiable_bodies() {
    let h = 0.1;
    for (theta, omega) in [(0.3_f64, -1.2), (1.7, 0.4)] {
        let (cv, dth, dw) = two_steps_closed(theta, omega, h);
        let (v, d) = results::two_steps_grad(state64(&[theta, omega]), h);
        assert_all_close(&[v], &[cv], TOL_64, "two_steps value");
        assert_all_close(
            &[d.theta, d.omega],
            &[dth, dw],
            TOL_64,
            "two_steps gradient",
        );
        let fd = numeric_grad(|p| results::two_steps(state64(p), h), &[theta, omega]);
        assert_all_close(&[d.theta, d.omega], &fd, 1e-8, "two_steps vs differences");
        let (v, d) = results::two_steps_of_grad(theta, h);
        let (cv, dth, _) = two_steps_closed(theta, 0.5, h);
        assert_all_close(&[v, d], &[cv, dth], TOL_64, "two_steps_of (forward)");
    }
}

#[test]
fn struct_result_called_in_a_run_time_loop() {
    let h = 0.05;
    for steps in [0, 1, 7, 40] {
        for (theta, omega) in [(0.3_f64, -1.2), (1.7, 0.4)] {
            // the reference: the plain function iterated, differenced
            let f = |p: &[f64]| results::pendulum_loss(state64(p), h, steps);
            let (v, d) = results::pendulum_loss_grad(state64(&[theta, omega]), h, steps);
            assert_all_close(&[v], &[f(&[theta, omega])], TOL_64, "pendulum value");
            let fd = numeric_grad(f, &[theta, omega]);
            assert_all_close(
                &[d.theta, d.omega],
                &fd,
                1e-7,
                "pendulum gradient vs differences",
            );
        }
    }
    // no step: the loss is θ² + ω², its gradient (2θ, 2ω) exactly
    let (_, d) = results::pendulum_loss_grad(state64(&[0.3, -1.2]), h, 0);
    assert_eq!((d.theta, d.omega), (0.6, -2.4));
}
