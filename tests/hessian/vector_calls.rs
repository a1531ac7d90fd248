//! Hessians and HVPs through calls of helpers returning fixed arrays: the
//! helper has `hessian` (or `hvp`), which gives it `name_vjp_jvp`, the
//! tangent of its VJP; the caller's forward-over-reverse sweep goes
//! through it.
//!
//! Expected values: closed forms where short, central differences of the
//! generated gradient (checked against finite differences of the function
//! in tests/calls.rs), `H·v` from the Hessian, symmetry.

use super::common::{assert_all_close, central_diff, Flat};
use super::{assert_symmetric, numeric_hessian, rows};
use macrograd::differentiable;

/// A rotation by `a`: both inputs differentiable.
#[differentiable(hessian)]
fn rotate(p: [f64; 2], a: f64) -> [f64; 2] {
    [
        p[0] * a.cos() - p[1] * a.sin(),
        p[0] * a.sin() + p[1] * a.cos(),
    ]
}

/// `u·v` of the point rotated by the constant 0.5: the quadratic form
/// `x²cs + xy(c² − s²) − y²cs` (c = cos 0.5, s = sin 0.5).
#[differentiable(hessian)]
fn rotated_product(x: f64, y: f64) -> f64 {
    let [u, v] = rotate([x, y], 0.5);
    u * v
}

/// The angle differentiable too.
#[differentiable(hessian)]
fn rotated_mix(x: f64, y: f64, a: f64) -> f64 {
    let [u, v] = rotate([x * y, y], a * x);
    u * v.sin() + u * u
}

#[test]
fn a_vector_call_has_the_closed_form_hessian() {
    let (c, s) = (0.5f64.cos(), 0.5f64.sin());
    let want = [2.0 * c * s, c * c - s * s, c * c - s * s, -2.0 * c * s];
    for (x, y) in [(0.3, -1.2), (2.0, 0.7)] {
        let (v, g, h) = rotated_product_hessian(x, y);
        assert_eq!((v, g), rotated_product_grad(x, y));
        assert_all_close(&h.flat(), &want, 1e-12, &format!("({x}, {y})"));
    }
}

#[test]
fn a_vector_call_matches_finite_differences_and_hvp_is_h_times_v() {
    for p in [[0.4, 0.9, -0.3], [-0.7, 1.3, 0.8], [1.1, -0.6, 2.0]] {
        let (v, g, h) = rotated_mix_hessian(p[0], p[1], p[2]);
        assert_eq!((v, g), rotated_mix_grad(p[0], p[1], p[2]));
        let fd = numeric_hessian(|q| rotated_mix_grad(q[0], q[1], q[2]).1.flat(), &p);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, &format!("{p:?}"));
        assert_symmetric(&rows(h), 1e-12);
        let dir = [0.5, -2.0, 0.25];
        let (_, _, hv) = rotated_mix_hvp(p[0], p[1], p[2], (dir[0], dir[1], dir[2]));
        let hd: Vec<f64> = (0..3)
            .map(|i| (0..3).map(|j| h[i][j] * dir[j]).sum())
            .collect();
        assert_all_close(&hv.flat(), &hd, 1e-12, "H·v");
        // and the derivative of the gradient along v
        let along: Vec<f64> = (0..3)
            .map(|i| {
                central_diff(
                    |t| {
                        let q: Vec<f64> = p.iter().zip(dir).map(|(x, d)| x + t * d).collect();
                        rotated_mix_grad(q[0], q[1], q[2]).1.flat()[i]
                    },
                    0.0,
                )
            })
            .collect();
        assert_all_close(&hv.flat(), &along, 1e-6, "gradient along v");
    }
}

/// A tuple result, a `#[nograd]` parameter and a scalar helper inside (its
/// own second derivative through its HVP), with `hvp` only.
#[differentiable(hessian)]
fn soft(t: f64) -> f64 {
    (1.0 + t.exp()).ln()
}

#[differentiable(hvp)]
fn polar(r: f64, #[nograd] k: f64, t: f64) -> (f64, f64) {
    (soft(r) * (k * t).cos(), r * r * t.sin())
}

#[differentiable(hessian)]
fn through_polar(x: [f64; 2]) -> f64 {
    let (a, b) = polar(x[0] * x[1], 1.5, x[1]);
    a * b + a
}

/// A vector helper calling another one.
#[differentiable(hessian)]
fn twice(p: [f64; 2], a: f64) -> [f64; 2] {
    let q: [f64; 2] = rotate(p, a);
    let [u, v] = rotate([q[0] * q[1], q[1]], 0.3);
    [u, v]
}

#[differentiable(hessian)]
fn through_twice(x: f64, y: f64) -> f64 {
    let [u, v] = twice([x, y], x - y);
    u.exp() + v * x
}

#[test]
fn tuples_nograd_inner_helpers_and_nested_vector_calls_match_finite_differences() {
    for p in [[0.4, 0.9], [-0.7, 1.3], [1.1, -0.6]] {
        let (v, g, h) = through_polar_hessian(p);
        assert_eq!((v, g), through_polar_grad(p));
        let fd = numeric_hessian(|q| through_polar_grad([q[0], q[1]]).1.flat(), &p);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, &format!("polar {p:?}"));
        assert_symmetric(&rows(h), 1e-12);
        let (_, _, hv) = through_polar_hvp(p, [0.3, -1.0]);
        let hd: Vec<f64> = (0..2).map(|i| 0.3 * h[i][0] - h[i][1]).collect();
        assert_all_close(&hv.flat(), &hd, 1e-12, "H·v");

        let (v, g, h) = through_twice_hessian(p[0], p[1]);
        assert_eq!((v, g), through_twice_grad(p[0], p[1]));
        let fd = numeric_hessian(|q| through_twice_grad(q[0], q[1]).1.flat(), &p);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, &format!("twice {p:?}"));
        assert_symmetric(&rows(h), 1e-12);
    }
}

/// `name_vjp_jvp` itself: `cotangentᵀJ` and its tangent, against finite
/// differences of `name_vjp` along the tangent and the cotangent's tangent.
#[test]
fn vjp_jvp_is_the_derivative_of_the_vjp() {
    let (p, a) = ([0.7, -0.4], 0.9);
    let (u, t, ut) = ([1.5, -0.5], ([0.2, 1.0], -0.7), [0.3, 0.8]);
    let (value, g, dg) = rotate_vjp_jvp(p, a, u, t, ut);
    assert_eq!((value, g), rotate_vjp(p, a, u));
    let along: Vec<f64> = (0..3)
        .map(|i| {
            central_diff(
                |e| {
                    let q = [p[0] + e * t.0[0], p[1] + e * t.0[1]];
                    let w = [u[0] + e * ut[0], u[1] + e * ut[1]];
                    rotate_vjp(q, a + e * t.1, w).1.flat()[i]
                },
                0.0,
            )
        })
        .collect();
    assert_all_close(&dg.flat(), &along, 1e-8, "tangent of the VJP");
}

/// f32 end to end.
#[differentiable(hessian)]
fn scale_f32(p: [f32; 2], s: f32) -> [f32; 2] {
    [p[0] * s.exp(), p[1] * p[0] * s]
}

#[differentiable(hessian)]
fn through_scale_f32(x: f32, y: f32) -> f32 {
    let [u, v] = scale_f32([x, y], x * y);
    u * v + v.sin()
}

#[differentiable(hessian)]
fn through_scale_f64(x: f64, y: f64) -> f64 {
    let [u, v] = [x * (x * y).exp(), y * x * (x * y)];
    u * v + v.sin()
}

#[test]
fn f32_matches_the_f64_hessian() {
    for (x, y) in [(0.4f32, 0.9f32), (-0.7, 0.3)] {
        let (_, _, h32) = through_scale_f32_hessian(x, y);
        let (_, _, h64) = through_scale_f64_hessian(f64::from(x), f64::from(y));
        assert_all_close(&h32.flat(), &h64.flat(), 1e-3, &format!("({x}, {y})"));
        assert_symmetric(&rows(h32.map(|r| r.map(f64::from))), 1e-5);
        let fd = numeric_hessian(
            |q| through_scale_f64_grad(q[0], q[1]).1.flat(),
            &[f64::from(x), f64::from(y)],
        );
        assert_all_close(&h64.flat(), &fd.concat(), 1e-6, "f64 vs finite differences");
    }
}

/// The README's example, as written there.
mod readme {
    use macrograd::differentiable;

    #[differentiable(hessian)] // adds project_vjp_jvp
    pub fn project(cam: [f64; 3], x: [f64; 2]) -> [f64; 2] {
        let d = 1.0 + x[0] * x[0] + x[1] * x[1];
        [cam[0] * x[0] / d + cam[1], cam[0] * x[1] / d + cam[2]]
    }
    #[differentiable(hessian)]
    pub fn reprojection(cam: [f64; 3], x: [f64; 2]) -> f64 {
        let [u, v] = project(cam, x);
        (u - 0.3) * (u - 0.3) + (v + 0.2) * (v + 0.2)
    }
}

#[test]
fn readme_projection_example() {
    let (cam, x) = ([1.0, 0.1, -0.2], [0.5, 0.7]);
    let (f, grad, h) = readme::reprojection_hessian(cam, x);
    assert_eq!((f, grad), readme::reprojection_grad(cam, x));
    let at = [cam[0], cam[1], cam[2], x[0], x[1]];
    let fd = numeric_hessian(
        |q| {
            readme::reprojection_grad([q[0], q[1], q[2]], [q[3], q[4]])
                .1
                .flat()
        },
        &at,
    );
    assert_all_close(&h.flat(), &fd.concat(), 1e-6, "projection");
    assert_symmetric(&rows(h), 1e-12);
    // the offsets enter linearly: ∂²f/∂cx² = ∂²f/∂cy² = 2, ∂²f/∂cx∂cy = 0
    assert_all_close(
        &[h[1][1], h[2][2], h[1][2]],
        &[2.0, 2.0, 0.0],
        1e-12,
        "offsets",
    );
    let dir = ([0.1, -0.3, 0.2], [1.0, -0.5]);
    let (_, _, hv) = readme::reprojection_hvp(cam, x, dir);
    let d = [dir.0[0], dir.0[1], dir.0[2], dir.1[0], dir.1[1]];
    let hd: Vec<f64> = (0..5)
        .map(|i| (0..5).map(|j| h[i][j] * d[j]).sum())
        .collect();
    assert_all_close(&hv.flat(), &hd, 1e-12, "H·v");
}

/// `h_vjp(args, cotangent)` in a body: `(h(args), cotangentᵀ·J)`, with a
/// cotangent that depends on the inputs. Its derivatives are `rotate`'s
/// JVP (for the cotangent) and `rotate_vjp_jvp` (for the arguments).
#[differentiable]
fn vjp_inside(x: f64, y: f64, a: f64) -> f64 {
    let (r, (gp, ga)) = rotate_vjp([x, y], a, [y, 1.0]);
    gp[0] * gp[0] + gp[1] * ga + r[0] * x
}

/// The same in forward mode.
#[differentiable(mode = forward)]
fn vjp_inside_fwd(x: f64, y: f64, a: f64) -> f64 {
    let (r, (gp, ga)) = rotate_vjp([x, y], a, [y, 1.0]);
    gp[0] * gp[0] + gp[1] * ga + r[0] * x
}

/// `vjp_inside` written out: with R the rotation by a, u = (y, 1) and
/// p = (x, y), `gp = Rᵀu`, `ga = uᵀR′p`, `r = Rp`.
fn vjp_inside_closed(x: f64, y: f64, a: f64) -> f64 {
    let (c, s) = (a.cos(), a.sin());
    let (u0, u1) = (y, 1.0);
    let gp = [c * u0 + s * u1, -s * u0 + c * u1];
    let ga = u0 * (-s * x - c * y) + u1 * (c * x - s * y);
    let r0 = c * x - s * y;
    gp[0] * gp[0] + gp[1] * ga + r0 * x
}

/// A tuple result, the callee's `#[nograd]` parameter passed the
/// caller's by name (so the gradient has no entry for it, as `polar_vjp`
/// has none), and the value unused.
#[differentiable]
fn vjp_of_polar(x: f64, t: f64, #[nograd] k: f64) -> f64 {
    let (_, (gr, gt)) = polar_vjp(x * t, k, t, (x, t * t));
    gr * gt + gr.sin()
}

fn vjp_of_polar_closed(x: f64, t: f64, k: f64) -> f64 {
    // polar(r, k, t) = (soft(r)·cos(kt), r²·sin t), soft′(r) = σ(r)
    let (r, u0, u1) = (x * t, x, t * t);
    let sig = 1.0 / (1.0 + (-r).exp());
    let soft = (1.0 + r.exp()).ln();
    let gr = u0 * sig * (k * t).cos() + u1 * 2.0 * r * t.sin();
    let gt = -u0 * soft * k * (k * t).sin() + u1 * r * r * t.cos();
    gr * gt + gr.sin()
}

#[test]
fn a_vjp_in_a_body_has_the_closed_form_and_its_derivatives() {
    for p in [[0.4, 0.9, -0.3], [-0.7, 1.3, 0.8], [1.1, -0.6, 2.0]] {
        let (v, g) = vjp_inside_grad(p[0], p[1], p[2]);
        assert_all_close(&[v], &[vjp_inside_closed(p[0], p[1], p[2])], 1e-12, "value");
        let fd = super::common::numeric_grad(|q| vjp_inside_closed(q[0], q[1], q[2]), &p);
        assert_all_close(&g.flat(), &fd, 1e-6, &format!("reverse {p:?}"));
        let (_, gf) = vjp_inside_fwd_grad(p[0], p[1], p[2]);
        assert_all_close(&gf.flat(), &g.flat(), 1e-12, "forward vs reverse");
        let t = (0.5, -1.0, 2.0);
        let (_, d) = vjp_inside_jvp(p[0], p[1], p[2], t);
        let want = g.0 * t.0 + g.1 * t.1 + g.2 * t.2;
        assert_all_close(&[d], &[want], 1e-12, "jvp");
    }
    for p in [[0.4, 0.9], [-0.7, 1.3]] {
        let (v, g) = vjp_of_polar_grad(p[0], p[1], 1.5);
        assert_all_close(
            &[v],
            &[vjp_of_polar_closed(p[0], p[1], 1.5)],
            1e-12,
            "polar value",
        );
        let fd = super::common::numeric_grad(|q| vjp_of_polar_closed(q[0], q[1], 1.5), &p);
        assert_all_close(&g.flat(), &fd, 1e-6, &format!("polar {p:?}"));
    }
}

/// A vector call in a run-time loop (a state loop: `s` is carried), with
/// an argument by reference.
#[differentiable(hessian)]
fn step(s: [f64; 2], k: &[f64; 2]) -> [f64; 2] {
    [
        s[0] + 0.1 * k[0] * s[1].sin(),
        s[1] - 0.1 * k[1] * s[0] * s[0],
    ]
}

#[differentiable(hessian)]
fn flow(x: f64, y: f64, #[nograd] steps: usize) -> f64 {
    let mut s = [x, y];
    for _ in 0..steps {
        let k = [x, 1.0];
        let n: [f64; 2] = step(s, &k);
        s = n;
    }
    s[0] * s[1]
}

/// The same helper in an `hvp` function over a slice (indexed in a
/// run-time loop on purpose: that is the form tested).
#[allow(clippy::needless_range_loop)]
#[differentiable(hvp)]
fn flow_slice(xs: &[f64]) -> f64 {
    let mut total = 0.0;
    for i in 0..xs.len() {
        let k = [xs[i], 1.0];
        let [a, b] = step([xs[i], 0.5], &k);
        total += a * b;
    }
    total
}

#[test]
fn vector_calls_in_run_time_loops_match_finite_differences() {
    for steps in [0, 1, 4] {
        let p = [0.6, -0.4];
        let (_, _, h) = flow_hessian(p[0], p[1], steps);
        let fd = numeric_hessian(|q| flow_grad(q[0], q[1], steps).1.flat(), &p);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, &format!("steps = {steps}"));
        assert_symmetric(&rows(h), 1e-12);
    }
    let xs = vec![0.3, -0.9, 1.4];
    let v = vec![1.0, 0.5, -2.0];
    let (_, g, hv) = flow_slice_hvp(&xs, &v);
    assert_eq!(g, flow_slice_grad(&xs).1);
    let along: Vec<f64> = (0..3)
        .map(|i| {
            central_diff(
                |e| {
                    let ys: Vec<f64> = xs.iter().zip(&v).map(|(x, d)| x + e * d).collect();
                    flow_slice_grad(&ys).1[i]
                },
                0.0,
            )
        })
        .collect();
    assert_all_close(&hv, &along, 1e-6, "slice hvp");
}

/// `h_vjp` in a run-time loop: each iteration pulls a cotangent that
/// depends on the carried state back through `rotate`.
#[differentiable]
fn vjp_in_a_loop(x: f64, a: f64, #[nograd] steps: usize) -> f64 {
    let mut s = x;
    for _ in 0..steps {
        let (r, (gp, ga)) = rotate_vjp([s, a], a * s, [s, 1.0]);
        s = gp[0] * 0.5 + ga * 0.1 + r[1] * 0.2;
    }
    s * s
}

/// `vjp_in_a_loop` written out with `rotate_vjp`'s closed form (see
/// `vjp_inside_closed`).
fn vjp_in_a_loop_closed(x: f64, a: f64, steps: usize) -> f64 {
    let mut s = x;
    for _ in 0..steps {
        let t = a * s;
        let (c, sn) = (t.cos(), t.sin());
        let (u0, u1) = (s, 1.0);
        let gp0 = c * u0 + sn * u1;
        let ga = u0 * (-sn * s - c * a) + u1 * (c * s - sn * a);
        let r1 = s * sn + a * c;
        s = gp0 * 0.5 + ga * 0.1 + r1 * 0.2;
    }
    s * s
}

#[test]
fn a_vjp_in_a_run_time_loop_matches_finite_differences() {
    for steps in [0, 1, 3] {
        let p = [0.4, -0.7];
        let (v, g) = vjp_in_a_loop_grad(p[0], p[1], steps);
        let want = vjp_in_a_loop_closed(p[0], p[1], steps);
        assert_all_close(&[v], &[want], 1e-12, &format!("value, {steps} steps"));
        let fd = super::common::numeric_grad(|q| vjp_in_a_loop_closed(q[0], q[1], steps), &p);
        assert_all_close(&g.flat(), &fd, 1e-6, &format!("gradient, {steps} steps"));
        let (_, d) = vjp_in_a_loop_jvp(p[0], p[1], steps, (1.0, -0.5));
        assert_all_close(&[d], &[g.0 - 0.5 * g.1], 1e-12, "jvp");
    }
}

/// `h_vjp` in an f32 body, against the same in f64.
#[differentiable]
fn vjp_f32(x: f32, y: f32) -> f32 {
    let (v, (gp, gs)) = scale_f32_vjp([x, y], x * y, [y, 1.0]);
    gp[0] * gs + v[1] * gp[1]
}

#[differentiable(hessian)]
fn scale_f64(p: [f64; 2], s: f64) -> [f64; 2] {
    [p[0] * s.exp(), p[1] * p[0] * s]
}

#[differentiable]
fn vjp_f64(x: f64, y: f64) -> f64 {
    let (v, (gp, gs)) = scale_f64_vjp([x, y], x * y, [y, 1.0]);
    gp[0] * gs + v[1] * gp[1]
}

#[test]
fn a_vjp_in_an_f32_body_matches_f64_and_finite_differences() {
    for (x, y) in [(0.4f32, 0.9f32), (-0.7, 0.3)] {
        let (v32, g32) = vjp_f32_grad(x, y);
        let (v64, g64) = vjp_f64_grad(f64::from(x), f64::from(y));
        assert_all_close(&[f64::from(v32)], &[v64], 1e-5, "value");
        assert_all_close(&g32.flat(), &g64.flat(), 1e-4, "f32 vs f64");
        let fd =
            super::common::numeric_grad(|q| vjp_f64(q[0], q[1]), &[f64::from(x), f64::from(y)]);
        assert_all_close(&g64.flat(), &fd, 1e-6, "f64 vs finite differences");
        assert_eq!(vjp_f32(x, y), v32);
    }
}
