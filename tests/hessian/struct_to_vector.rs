//! Hessians of functions and methods that pass a struct parameter (or
//! `self`, or a part of one) on whole to a `#[differentiable(hessian)]`
//! helper returning several floats: `pair(s, k)`, `self.polar()`. The
//! reverse sweep adds the helper's VJP entry for the struct into the
//! parameter's gradient; the forward sweep over it adds that entry's
//! tangent (the helper's `vjp_jvp` entry, along the struct's direction)
//! into the parameter's `H·v`. `name_hessian` is built from `name_hvp`
//! calls, a struct's rows and columns being all its floats in declaration
//! order.
//!
//! Expected values: closed forms and central differences of the generated
//! gradient, itself checked against differences of the function.

use super::common::{assert_all_close, central_diff, Flat};
use super::{assert_symmetric, numeric_hessian, rows};
use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Debug, Differentiable)]
struct State {
    x: f64,
    v: f64,
}

/// `[k·x², v·x]`.
#[differentiable(hessian)]
fn pair(s: State, k: f64) -> [f64; 2] {
    [s.x * s.x * k, s.v * s.x]
}

/// `s` passed whole to an array helper, and read: `k·x³·v + v·k`.
#[differentiable(hessian)]
fn energy(s: State, k: f64) -> f64 {
    let [a, b] = pair(s, k);
    a * b + s.v * k
}

/// A step returning a struct.
#[differentiable(hessian)]
fn step(s: State, h: f64) -> State {
    State {
        x: s.x + h * s.v,
        v: s.v - h * s.x.sin(),
    }
}

/// `s` passed whole to a struct helper, read by field:
/// `(x + h·v)² + h·(v − h·sin x)²`.
#[differentiable(hvp)]
fn run(s: State, h: f64) -> f64 {
    let n = step(s, h);
    n.x * n.x + h * n.v * n.v
}

fn run_by_hand(x: f64, v: f64, h: f64) -> f64 {
    let (nx, nv) = (x + h * v, v - h * x.sin());
    nx * nx + h * nv * nv
}

fn flat(g: &(State, f64)) -> Vec<f64> {
    vec![g.0.x, g.0.v, g.1]
}

fn mat_vec<const N: usize>(h: &[[f64; N]; N], v: &[f64]) -> Vec<f64> {
    h.iter()
        .map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum())
        .collect()
}

#[test]
fn a_struct_passed_whole_to_an_array_helper_closed_form_and_differences() {
    for (x, v, k) in [(0.3_f64, -1.2_f64, 0.7_f64), (1.7, 0.4, -1.1)] {
        let s = State { x, v };
        let (value, grad, h) = energy_hessian(s, k);
        let (v0, g0) = energy_grad(s, k);
        assert_all_close(&[value], &[k * x.powi(3) * v + v * k], 1e-14, "value");
        assert_all_close(&[value], &[v0], 1e-14, "value vs grad");
        assert_all_close(&flat(&grad), &flat(&g0), 1e-13, "gradient");
        // f = k x³ v + v k over (x, v, k)
        let closed = [
            [6.0 * k * x * v, 3.0 * k * x * x, 3.0 * x * x * v],
            [3.0 * k * x * x, 0.0, x.powi(3) + 1.0],
            [3.0 * x * x * v, x.powi(3) + 1.0, 0.0],
        ];
        assert_all_close(&h.flat(), &closed.flat(), 1e-12, "closed form");
        let fd = numeric_hessian(
            |q| flat(&energy_grad(State { x: q[0], v: q[1] }, q[2]).1),
            &[x, v, k],
        );
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, "finite differences");
        assert_symmetric(&rows(h), 1e-12);
        let dir = [0.5, -2.0, 1.5];
        let (_, g2, hv) = energy_hvp(s, k, (State { x: 0.5, v: -2.0 }, 1.5));
        assert_all_close(&flat(&g2), &flat(&g0), 1e-13, "hvp gradient");
        assert_all_close(&flat(&hv), &mat_vec(&closed, &dir), 1e-12, "hvp vs H·v");
    }
}

#[test]
fn a_struct_passed_whole_to_a_struct_helper_matches_differences() {
    for (x, v, h) in [(0.3_f64, -1.2_f64, 0.7_f64), (-1.4, 0.6, 0.2)] {
        let s = State { x, v };
        let (value, g) = run_grad(s, h);
        assert_all_close(&[value], &[run_by_hand(x, v, h)], 1e-14, "value");
        let fd_g = [
            central_diff(|t| run_by_hand(t, v, h), x),
            central_diff(|t| run_by_hand(x, t, h), v),
            central_diff(|t| run_by_hand(x, v, t), h),
        ];
        assert_all_close(&flat(&g), &fd_g, 1e-7, "gradient");
        let fd = numeric_hessian(
            |q| flat(&run_grad(State { x: q[0], v: q[1] }, q[2]).1),
            &[x, v, h],
        );
        assert_symmetric(&fd, 1e-5);
        for d in [
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
            [0.5, -2.0, 0.25],
        ] {
            let (_, _, hv) = run_hvp(s, h, (State { x: d[0], v: d[1] }, d[2]));
            let want: Vec<f64> = fd
                .iter()
                .map(|r| r.iter().zip(&d).map(|(a, b)| a * b).sum())
                .collect();
            assert_all_close(&flat(&hv), &want, 1e-6, &format!("H·{d:?}"));
        }
    }
}

impl State {
    /// `(x·cos v, x·sin v)`.
    #[differentiable(hessian)]
    fn polar(&self) -> (f64, f64) {
        (self.x * self.v.cos(), self.x * self.v.sin())
    }

    /// `self` passed on to a method returning a tuple:
    /// `a²·b + a = x³·cos²v·sin v + x·cos v`.
    #[differentiable(hessian)]
    fn spin(&self) -> f64 {
        let (a, b) = self.polar();
        a * a * b + a
    }
}

#[derive(Clone, Copy, Debug, Differentiable)]
struct Body {
    s: State,
    m: f64,
}

/// A part of a struct parameter passed whole, `pair(b.s, b.m)`:
/// `m·x³·v`.
#[differentiable(hessian)]
fn body_energy(b: Body) -> f64 {
    let [p, q] = pair(b.s, b.m);
    p * q
}

#[test]
fn self_and_a_part_passed_whole_to_vector_helpers() {
    for (x, v) in [(0.8_f64, -0.5_f64), (-1.3, 1.1)] {
        let s = State { x, v };
        let (_, gs, h) = s.spin_hessian();
        let spin = |x: f64, v: f64| {
            let (c, sn) = (v.cos(), v.sin());
            x.powi(3) * c * c * sn + x * c
        };
        assert_all_close(
            &[gs.x, gs.v],
            &[
                central_diff(|t| spin(t, v), x),
                central_diff(|t| spin(x, t), v),
            ],
            1e-7,
            "spin gradient",
        );
        let fd = numeric_hessian(
            |q| {
                let g = State { x: q[0], v: q[1] }.spin_grad().1;
                vec![g.x, g.v]
            },
            &[x, v],
        );
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, "spin hessian");
        assert_symmetric(&rows(h), 1e-12);
        // f = m x³ v over (x, v, m)
        let m = 0.9;
        let (_, _, hb) = body_energy_hessian(Body { s, m });
        let closed = [
            [6.0 * m * x * v, 3.0 * m * x * x, 3.0 * x * x * v],
            [3.0 * m * x * x, 0.0, x.powi(3)],
            [3.0 * x * x * v, x.powi(3), 0.0],
        ];
        assert_all_close(&hb.flat(), &closed.flat(), 1e-12, "body closed form");
    }
}

#[derive(Clone, Copy, Debug, Differentiable)]
struct Pair32 {
    s: f32,
    t: f32,
}

#[differentiable(hessian)]
fn both32(p: Pair32) -> [f32; 2] {
    [p.s * p.t, p.s - p.t]
}

/// `(st)·(s − t) = s²t − st²` in f32.
#[differentiable(hessian)]
fn through_both32(p: Pair32) -> f32 {
    let [a, b] = both32(p);
    a * b
}

#[test]
fn f32_struct_passed_whole_to_an_array_helper() {
    let p = Pair32 { s: 0.8, t: -0.6 };
    let (_, _, h) = through_both32_hessian(p);
    let (s, t) = (f64::from(p.s), f64::from(p.t));
    let want = [2.0 * t, 2.0 * s - 2.0 * t, 2.0 * s - 2.0 * t, -2.0 * s];
    assert_all_close(&h.flat(), &want, 1e-5, "f32 hessian");
    assert_eq!(h[0][1], h[1][0]);
}

/// In a run-time loop and a branch: `n·k·x³·v` for `x > 0`, else `k·x²`.
#[differentiable(hvp)]
fn looped(s: State, k: f64, #[nograd] n: usize) -> f64 {
    let mut acc = 0.0;
    for _ in 0..n {
        if s.x > 0.0 {
            let [a, b] = pair(s, k);
            acc += a * b;
        } else {
            let [a, _] = pair(s, k);
            acc = a;
        }
    }
    acc
}

#[test]
fn a_struct_passed_whole_in_a_run_time_loop_and_branch() {
    for (x, v, k) in [(0.7_f64, -1.2_f64, 0.4_f64), (-0.9, 0.5, 1.3)] {
        let s = State { x, v };
        let n = 3;
        let fd = numeric_hessian(
            |q| flat(&looped_grad(State { x: q[0], v: q[1] }, q[2], n).1),
            &[x, v, k],
        );
        let closed = if x > 0.0 {
            let m = n as f64;
            [
                [
                    6.0 * m * k * x * v,
                    3.0 * m * k * x * x,
                    3.0 * m * x * x * v,
                ],
                [3.0 * m * k * x * x, 0.0, m * x.powi(3)],
                [3.0 * m * x * x * v, m * x.powi(3), 0.0],
            ]
        } else {
            [[2.0 * k, 0.0, 2.0 * x], [0.0; 3], [2.0 * x, 0.0, 0.0]]
        };
        assert_all_close(
            &fd.concat(),
            &closed.flat(),
            1e-6,
            "differences vs closed form",
        );
        for d in [
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
            [0.5, -2.0, 0.25],
        ] {
            let (_, _, hv) = looped_hvp(s, k, n, (State { x: d[0], v: d[1] }, d[2]));
            assert_all_close(
                &flat(&hv),
                &mat_vec(&closed, &d),
                1e-12,
                &format!("H·{d:?}"),
            );
        }
    }
}
