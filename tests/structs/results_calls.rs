//! Struct results with `..base`, nested struct patterns at call sites,
//! struct variables reassigned and carried through run-time loops, and
//! `name_vjp` of functions passing a struct on to a call, on the corpus of
//! `results.rs`, in f64 and f32 against closed forms and central
//! differences.

use super::results::{flat_robot, r32, r64};
use super::*;
use common::numeric_grad;

#[test]
fn functional_update_result_vjp_and_jvp() {
    for (theta, omega, k) in [(0.3_f64, -1.2_f64, 1.5_f64), (1.7, 0.4, -0.6)] {
        let s = state64(&[theta, omega]);
        let (v, (ds, dk)) = r64::kick_vjp(s, k, state64(&[0.6, -1.3]));
        assert_eq!(v, state64(&[k * theta, omega]));
        // J over (θ, ω, k): θ' = kθ, ω' = ω
        assert_all_close(
            &[ds.theta, ds.omega, dk],
            &[0.6 * k, -1.3, 0.6 * theta],
            TOL_64,
            "kick uᵀJ",
        );
        let (_, jt) = r64::kick_jvp(s, k, (state64(&[0.25, -0.8]), 0.5));
        assert_all_close(
            &[jt.theta, jt.omega],
            &[k * 0.25 + 0.5 * theta, -0.8],
            TOL_64,
            "kick J·t",
        );
        let s32 = state32(&[theta as f32, omega as f32]);
        let (_, (ds32, dk32)) = r32::kick_vjp(s32, k as f32, state32(&[0.6, -1.3]));
        assert_all_close(
            &[ds32.theta.into(), ds32.omega.into(), dk32.into()],
            &[0.6 * k, -1.3, 0.6 * theta],
            1e-5,
            "f32 kick uᵀJ",
        );
        let (_, jt32) = r32::kick_jvp(s32, k as f32, (state32(&[0.25, -0.8]), 0.5));
        assert_all_close(
            &[jt32.theta.into(), jt32.omega.into()],
            &[k * 0.25 + 0.5 * theta, -0.8],
            1e-5,
            "f32 kick J·t",
        );
        // `halve`: θ' = 2θ, ω' = kωθ
        let (v, (ds, dk)) = r64::halve_vjp(s, k, state64(&[0.6, -1.3]));
        assert_eq!(v, r64::halve(s, k));
        assert_all_close(
            &[ds.theta, ds.omega, dk],
            &[
                0.6 * 2.0 - 1.3 * k * omega,
                -1.3 * k * theta,
                -1.3 * omega * theta,
            ],
            TOL_64,
            "halve uᵀJ",
        );
        // `shift`: θ' = θ + x, ω' = ω (s is data)
        let (v, dx) = r64::shift_vjp(s, k, state64(&[0.6, -1.3]));
        assert_eq!((v, dx), (state64(&[theta + k, omega]), 0.6));
        let (_, jt) = r64::shift_jvp(s, k, 0.5);
        assert_eq!(jt, state64(&[0.5, 0.0]));
    }
}

#[test]
fn nested_functional_update_result() {
    let arm = c64::Arm {
        l1: 0.9,
        l2: -0.4,
        w: [0.1, 0.2, 0.3],
    };
    let r = c64::Robot { arm, mass: 2.5 };
    let a = 1.7;
    let u = c64::Robot {
        arm: c64::Arm {
            l1: 0.5,
            l2: -1.5,
            w: [2.0, 3.0, -4.0],
        },
        mass: 0.75,
    };
    let (v, (dr, da)) = r64::bend_vjp(&r, a, u);
    let mut bent = r;
    bent.arm.l1 = a * arm.l1;
    assert_eq!(v, bent);
    assert_eq!(r64::bend(&r, a), bent);
    // l1' = a·l1, everything else copied: uᵀJ keeps u but scales l1
    let mut expected = u;
    expected.arm.l1 = 0.5 * a;
    assert_all_close(&flat_robot(&dr), &flat_robot(&expected), TOL_64, "bend uᵀJ");
    assert_all_close(&[da], &[0.5 * arm.l1], TOL_64, "bend ∂a");
    // J·t with t = (u, 0.3): l1' gets a·t.l1 + 0.3·l1
    let (_, jt) = r64::bend_jvp(&r, a, (u, 0.3));
    let mut expected = u;
    expected.arm.l1 = a * 0.5 + 0.3 * arm.l1;
    assert_all_close(&flat_robot(&jt), &flat_robot(&expected), TOL_64, "bend J·t");
    // against differences of each output float along each input float
    let x0 = {
        let mut x = flat_robot(&r);
        x.push(a);
        x
    };
    let robot = |p: &[f64]| c64::Robot {
        arm: c64::Arm {
            l1: p[0],
            l2: p[1],
            w: [p[2], p[3], p[4]],
        },
        mass: p[5],
    };
    let ut = flat_robot(&u);
    let fd = numeric_grad(
        |p| {
            let y = flat_robot(&r64::bend(&robot(p), p[6]));
            y.iter().zip(&ut).map(|(a, b)| a * b).sum()
        },
        &x0,
    );
    let mut got = flat_robot(&dr);
    got.push(da);
    assert_all_close(&got, &fd, 1e-8, "bend uᵀJ vs differences");
    let r32 = c32::Robot {
        arm: c32::Arm {
            l1: 0.9,
            l2: -0.4,
            w: [0.1, 0.2, 0.3],
        },
        mass: 2.5,
    };
    let u32 = c32::Robot {
        arm: c32::Arm {
            l1: 0.5,
            l2: -1.5,
            w: [2.0, 3.0, -4.0],
        },
        mass: 0.75,
    };
    let (_, (dr32, da32)) = r32::bend_vjp(&r32, a as f32, u32);
    let mut got32 = vec![dr32.arm.l1, dr32.arm.l2];
    got32.extend(dr32.arm.w);
    got32.extend([dr32.mass, da32]);
    let got32: Vec<f64> = got32.into_iter().map(f64::from).collect();
    assert_all_close(&got32, &got, 1e-5, "f32 bend uᵀJ");
}

#[test]
fn functional_update_result_called_in_a_differentiable_body() {
    for (theta, omega, k) in [(0.3_f64, -1.2_f64, 1.5_f64), (1.7, 0.4, -0.6)] {
        // f = kθ·ω + ω
        let expected = [k * omega, k * theta + 1.0, theta * omega];
        let (v, (ds, dk)) = r64::kicked_grad(state64(&[theta, omega]), k);
        assert_all_close(&[v], &[k * theta * omega + omega], TOL_64, "kicked value");
        let got = [ds.theta, ds.omega, dk];
        assert_all_close(&got, &expected, TOL_64, "kicked gradient");
        let fd = numeric_grad(|p| r64::kicked(state64(&p[..2]), p[2]), &[theta, omega, k]);
        assert_all_close(&got, &fd, 1e-8, "kicked vs differences");
        let (_, (ds32, dk32)) = r32::kicked_grad(state32(&[theta as f32, omega as f32]), k as f32);
        assert_all_close(
            &[ds32.theta.into(), ds32.omega.into(), dk32.into()],
            &expected,
            1e-5,
            "f32 kicked gradient",
        );
    }
}

#[test]
fn nested_struct_pattern_at_a_call_site() {
    for (theta, omega, k) in [(0.3_f64, -1.2_f64, 1.5_f64), (1.7, 0.4, -0.6)] {
        // f = kω·sin θ + (θω)²
        let v = k * omega * theta.sin() + (theta * omega).powi(2);
        let expected = [
            k * omega * theta.cos() + 2.0 * theta * omega * omega,
            k * theta.sin() + 2.0 * theta * theta * omega,
            omega * theta.sin(),
        ];
        let (got_v, (ds, dk)) = r64::use_split_grad(state64(&[theta, omega]), k);
        assert_all_close(&[got_v], &[v], TOL_64, "use_split value");
        let got = [ds.theta, ds.omega, dk];
        assert_all_close(&got, &expected, TOL_64, "use_split gradient");
        let fd = numeric_grad(
            |p| r64::use_split(state64(&p[..2]), p[2]),
            &[theta, omega, k],
        );
        assert_all_close(&got, &fd, 1e-8, "use_split vs differences");
        let (_, (ds32, dk32)) =
            r32::use_split_grad(state32(&[theta as f32, omega as f32]), k as f32);
        assert_all_close(
            &[ds32.theta.into(), ds32.omega.into(), dk32.into()],
            &expected,
            1e-5,
            "f32 use_split gradient",
        );
        // forward: f = 1 + 2x², f' = 4x
        let (fv, d) = r64::use_split_of_grad(theta);
        assert_all_close(
            &[fv, d],
            &[1.0 + 2.0 * theta * theta, 4.0 * theta],
            TOL_64,
            "use_split_of",
        );
        let (_, d32) = r32::use_split_of_grad(theta as f32);
        assert_all_close(&[d32.into()], &[4.0 * theta], 1e-5, "f32 use_split_of");
    }
}

#[test]
fn struct_variable_carried_through_a_run_time_loop() {
    let h = 0.05;
    for steps in [0, 1, 7, 40] {
        for (theta, omega) in [(0.3_f64, -1.2_f64), (1.7, 0.4)] {
            let (cv, dt, dw) = carried_closed(theta, omega, h, steps);
            let (v, d) = r64::carried_grad(state64(&[theta, omega]), h, steps);
            assert_all_close(&[v], &[cv], TOL_64, "carried value");
            assert_all_close(&[d.theta, d.omega], &[dt, dw], TOL_64, "carried gradient");
            let fd = numeric_grad(|p| r64::carried(state64(p), h, steps), &[theta, omega]);
            assert_all_close(&[d.theta, d.omega], &fd, 1e-7, "carried vs differences");
            let (_, d32) =
                r32::carried_grad(state32(&[theta as f32, omega as f32]), h as f32, steps);
            assert_all_close(
                &[d32.theta.into(), d32.omega.into()],
                &[dt, dw],
                1e-4,
                "f32 carried gradient",
            );
        }
    }
}

/// (value, ∂θ₀, ∂ω₀) of θₙ² + ωₙ after `steps` Euler steps (θ, ω) ↦
/// (θ + hω, ω − h sin θ), with the chain rule carried by hand: each step's
/// Jacobian [[1, h], [−h cos θ, 1]] times the one before.
fn carried_closed(theta: f64, omega: f64, h: f64, steps: usize) -> (f64, f64, f64) {
    let (mut t, mut w) = (theta, omega);
    // rows: ∂(θ, ω)/∂θ₀ and ∂(θ, ω)/∂ω₀
    let mut d = [[1.0, 0.0], [0.0, 1.0]];
    for _ in 0..steps {
        for r in &mut d {
            *r = [r[0] + h * r[1], -h * t.cos() * r[0] + r[1]];
        }
        (t, w) = (t + h * w, w - h * t.sin());
    }
    (
        t * t + w,
        2.0 * t * d[0][0] + d[0][1],
        2.0 * t * d[1][0] + d[1][1],
    )
}

#[test]
fn struct_variable_reassigned_in_straight_line_code() {
    let h = 0.1;
    for x in [0.3_f64, -1.1] {
        // two steps from (x, 0.5), then θ·ω; the derivative along x by
        // the chain rule (∂ω₀/∂x = 0)
        let (mut t, mut w) = (x, 0.5);
        let (mut dt, mut dw) = (1.0, 0.0);
        for _ in 0..2 {
            (dt, dw) = (dt + h * dw, -h * t.cos() * dt + dw);
            (t, w) = (t + h * w, w - h * t.sin());
        }
        let (v, d) = r64::twice_grad(x, h);
        assert_all_close(&[v, d], &[t * w, dt * w + t * dw], TOL_64, "twice");
        let fd = numeric_grad(|p| r64::twice(p[0], h), &[x]);
        assert_all_close(&[d], &fd, 1e-8, "twice vs differences");
        let (_, d32) = r32::twice_grad(x as f32, h as f32);
        assert_all_close(&[d32.into()], &[dt * w + t * dw], 1e-5, "f32 twice");
    }
}

#[test]
fn vjp_of_functions_passing_a_struct_on() {
    for (theta, omega, k) in [(0.3_f64, -1.2_f64, 1.5_f64), (1.7, 0.4, -0.6)] {
        let s = state64(&[theta, omega]);
        let u = [0.6, -1.3];
        // kick: (kθ, ω); pass_on = (kθ·ω, θ + ω)
        let (v, (ds, dk)) = r64::pass_on_vjp(s, k, u);
        assert_eq!(v, r64::pass_on(s, k));
        let expected = [
            u[0] * k * omega + u[1],
            u[0] * k * theta + u[1],
            u[0] * theta * omega,
        ];
        let got = [ds.theta, ds.omega, dk];
        assert_all_close(&got, &expected, TOL_64, "pass_on uᵀJ");
        let fd = numeric_grad(
            |p| {
                let y = r64::pass_on(state64(&p[..2]), p[2]);
                u[0] * y[0] + u[1] * y[1]
            },
            &[theta, omega, k],
        );
        assert_all_close(&got, &fd, 1e-8, "pass_on vs differences");
        let s32 = state32(&[theta as f32, omega as f32]);
        let (_, (ds32, dk32)) = r32::pass_on_vjp(s32, k as f32, [0.6, -1.3]);
        assert_all_close(
            &[ds32.theta.into(), ds32.omega.into(), dk32.into()],
            &expected,
            1e-5,
            "f32 pass_on uᵀJ",
        );
        // pass_struct = (ω, kθ·ω)
        let (v, (ds, dk)) = r64::pass_struct_vjp(s, k, state64(&u));
        assert_eq!(v, r64::pass_struct(s, k));
        let expected = [
            u[1] * k * omega,
            u[0] + u[1] * k * theta,
            u[1] * theta * omega,
        ];
        let got = [ds.theta, ds.omega, dk];
        assert_all_close(&got, &expected, TOL_64, "pass_struct uᵀJ");
        let (_, (ds32, dk32)) = r32::pass_struct_vjp(s32, k as f32, state32(&[0.6, -1.3]));
        assert_all_close(
            &[ds32.theta.into(), ds32.omega.into(), dk32.into()],
            &expected,
            1e-5,
            "f32 pass_struct uᵀJ",
        );
    }
}

#[test]
fn jvp_of_functions_passing_a_struct_on() {
    for (theta, omega, k) in [(0.3_f64, -1.2_f64, 1.5_f64), (1.7, 0.4, -0.6)] {
        let s = state64(&[theta, omega]);
        let (tt, tw, tk) = (0.25, -0.8, 0.5);
        let t = state64(&[tt, tw]);
        // pass_on = (kθ·ω, θ + ω): the part passed whole to `kick` is
        // carried by its entry dotted with the tangent
        let (v, jt) = r64::pass_on_jvp(s, k, (t, tk));
        assert_eq!(v, r64::pass_on(s, k));
        let expected = [
            k * omega * tt + k * theta * tw + theta * omega * tk,
            tt + tw,
        ];
        assert_all_close(&jt, &expected, TOL_64, "pass_on J·t");
        for (i, e) in expected.iter().enumerate() {
            let along = |h: f64| {
                let p = state64(&[theta + h * tt, omega + h * tw]);
                r64::pass_on(p, k + h * tk)[i]
            };
            assert_all_close(
                &[*e],
                &[common::central_diff(along, 0.0)],
                1e-8,
                "J·t vs differences",
            );
        }
        let (_, jt32) = r32::pass_on_jvp(
            state32(&[theta as f32, omega as f32]),
            k as f32,
            (state32(&[0.25, -0.8]), 0.5),
        );
        assert_all_close(
            &[jt32[0].into(), jt32[1].into()],
            &expected,
            1e-5,
            "f32 pass_on J·t",
        );
        // pass_struct = (ω, kθ·ω)
        let (_, jt) = r64::pass_struct_jvp(s, k, (t, tk));
        assert_all_close(
            &[jt.theta, jt.omega],
            &[tw, k * omega * tt + k * theta * tw + theta * omega * tk],
            TOL_64,
            "pass_struct J·t",
        );
    }
}

#[test]
fn nograd_struct_part_has_no_tangent() {
    let h = 0.1;
    for (x, omega) in [(0.3_f64, -1.2_f64), (1.7, 0.4)] {
        // a = x + hω, b = ω − h sin x: f' = b + a·(−h cos x)
        let (a, b) = (x + h * omega, omega - h * x.sin());
        let (v, d) = r64::lit_rest_grad(x, state64(&[5.0, omega]));
        assert_all_close(&[v, d], &[a * b, b - a * h * x.cos()], TOL_64, "lit_rest");
        let fd = numeric_grad(|p| r64::lit_rest(p[0], state64(&[5.0, omega])), &[x]);
        assert_all_close(&[d], &fd, 1e-8, "lit_rest vs differences");
        let (_, d32) = r32::lit_rest_grad(x as f32, state32(&[5.0, omega as f32]));
        assert_all_close(&[d32.into()], &[b - a * h * x.cos()], 1e-5, "f32 lit_rest");
    }
}
