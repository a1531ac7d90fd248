//! First-order derived functions through the macro: `name_jvp` (every
//! function), `name_vjp` and `name_jacobian` (functions returning `[F; m]`),
//! and `#[differentiable(mode = …)]` for `name_grad`.
//!
//! Expected Jacobians come from central finite differences of the function
//! as written (an f64 twin for f32 code); forward and reverse sweeps are
//! also checked against each other (JVP columns vs VJP rows vs Jacobian).

mod common;

use common::{assert_all_close, central_diff, Flat};
use macrograd::differentiable;

/// The Jacobian of `f: Rⁿ → Rᵐ` at `x` by central differences, row by row.
fn numeric_jacobian(f: impl Fn(&[f64]) -> Vec<f64>, x: &[f64]) -> Vec<Vec<f64>> {
    let m = f(x).len();
    let mut rows = vec![vec![0.0; x.len()]; m];
    for j in 0..x.len() {
        for (i, row) in rows.iter_mut().enumerate() {
            row[j] = central_diff(
                |t| {
                    let mut y = x.to_vec();
                    y[j] = t;
                    f(&y)[i]
                },
                x[j],
            );
        }
    }
    rows
}

/// Two inputs, three outputs: the Jacobian takes forward sweeps.
#[differentiable]
fn spiral(r: f64, t: f64) -> [f64; 3] {
    let c = t.cos();
    [r * c, r * t.sin(), r * r * c + t]
}

/// Four inputs (an array and a scalar), two outputs: reverse sweeps.
#[differentiable]
fn mix(x: [f64; 3], s: f64) -> [f64; 2] {
    let q = x[0] * x[1] + x[2].exp();
    [q * s, (x[0] - s).tanh() + q.ln()]
}

/// A run-time branch, a `#[nograd]` input and a call to another function.
#[differentiable]
fn soft(a: f64, b: f64) -> f64 {
    (a.exp() + b.exp()).ln()
}

#[differentiable]
fn branchy(x: [f64; 2], #[nograd] k: f64) -> [f64; 2] {
    let y = if x[0] > k { x[0] * x[1] } else { x[1].sin() };
    [y + soft(x[0], y), k * x[1] * x[1]]
}

/// The same computation in f32.
#[differentiable]
fn spiral_f32(r: f32, t: f32) -> [f32; 3] {
    let c = t.cos();
    [r * c, r * t.sin(), r * r * c + t]
}

/// A scalar function gets `name_jvp` too.
#[differentiable]
fn rosen(x: f64, y: f64) -> f64 {
    let a = 1.0 - x;
    let b = y - x * x;
    a * a + 100.0 * b * b
}

/// A tuple parameter and a reference parameter.
#[differentiable]
fn shapes(p: (f64, f64), w: &[f64; 2]) -> f64 {
    p.0 * w[0] + (p.1 * w[1]).sin()
}

/// The two-input 30-step composition, its gradient in each mode.
#[differentiable(mode = forward)]
fn compose_forward(x: f64, a: f64) -> f64 {
    let mut x = x;
    for _ in 0..30 {
        x = (x.sin() * x + x.cos()) * a;
    }
    x
}

#[differentiable(mode = reverse)]
fn compose_reverse(x: f64, a: f64) -> f64 {
    let mut x = x;
    for _ in 0..30 {
        x = (x.sin() * x + x.cos()) * a;
    }
    x
}

fn spiral_ref(v: &[f64]) -> Vec<f64> {
    let (r, t) = (v[0], v[1]);
    vec![r * t.cos(), r * t.sin(), r * r * t.cos() + t]
}

#[test]
fn jacobian_by_forward_sweeps_matches_finite_differences() {
    let (r, t) = (1.3, 0.7);
    let (value, j) = spiral_jacobian(r, t);
    assert_eq!(value, spiral(r, t));
    let expected = numeric_jacobian(spiral_ref, &[r, t]);
    for (i, row) in j.iter().enumerate() {
        assert_all_close(row, &expected[i], 1e-9, &format!("row {i}"));
    }
}

#[test]
fn jacobian_by_reverse_sweeps_matches_finite_differences() {
    let (x, s) = ([0.4, -1.1, 0.3], 0.8);
    let (value, j) = mix_jacobian(x, s);
    assert_eq!(value, mix(x, s));
    let f = |v: &[f64]| mix([v[0], v[1], v[2]], v[3]).to_vec();
    let expected = numeric_jacobian(f, &[x[0], x[1], x[2], s]);
    for (i, row) in j.iter().enumerate() {
        assert_all_close(row, &expected[i], 1e-9, &format!("row {i}"));
    }
}

#[test]
fn vjp_rows_jvp_columns_and_jacobian_agree() {
    let (x, s) = ([0.4, -1.1, 0.3], 0.8);
    let (_, j) = mix_jacobian(x, s);
    // reverse: each row is the VJP with a unit cotangent
    for (i, row) in j.iter().enumerate() {
        let mut u = [0.0; 2];
        u[i] = 1.0;
        let (value, g) = mix_vjp(x, s, u);
        assert_eq!(value, mix(x, s));
        assert_all_close(&g.flat(), row, 1e-13, &format!("vjp row {i}"));
    }
    // forward: each column is the JVP with a unit tangent
    for c in 0..4 {
        let mut v = [0.0; 4];
        v[c] = 1.0;
        let (value, d) = mix_jvp(x, s, ([v[0], v[1], v[2]], v[3]));
        assert_eq!(value, mix(x, s));
        let column: Vec<f64> = j.iter().map(|row| row[c]).collect();
        assert_all_close(&d, &column, 1e-13, &format!("jvp column {c}"));
    }
}

#[test]
fn vjp_and_jvp_in_general_directions() {
    let (r, t) = (-0.6, 2.1);
    let expected = numeric_jacobian(spiral_ref, &[r, t]);
    let u = [0.5, -2.0, 1.5];
    let (_, g) = spiral_vjp(r, t, u);
    let ut_j: Vec<f64> = (0..2)
        .map(|k| (0..3).map(|i| u[i] * expected[i][k]).sum())
        .collect();
    assert_all_close(&g.flat(), &ut_j, 1e-9, "uᵀJ");
    let v = (0.25, -3.0);
    let (_, d) = spiral_jvp(r, t, v);
    let jv: Vec<f64> = expected
        .iter()
        .map(|row| row[0] * v.0 + row[1] * v.1)
        .collect();
    assert_all_close(&d, &jv, 1e-9, "J·v");
}

#[test]
fn branches_calls_and_nograd_inputs() {
    for (x, k) in [([0.9, 0.5], 0.2), ([-0.9, 0.5], 0.2), ([0.3, -1.7], 1.0)] {
        let (value, j) = branchy_jacobian(x, k);
        assert_eq!(value, branchy(x, k));
        let f = |v: &[f64]| branchy([v[0], v[1]], k).to_vec();
        let expected = numeric_jacobian(f, &x);
        for (i, row) in j.iter().enumerate() {
            assert_all_close(row, &expected[i], 1e-8, &format!("x = {x:?}, row {i}"));
        }
        let (_, g) = branchy_vjp(x, k, [1.0, -0.5]);
        let ut_j: Vec<f64> = (0..2).map(|c| j[0][c] - 0.5 * j[1][c]).collect();
        assert_all_close(&g, &ut_j, 1e-13, "vjp vs jacobian");
    }
}

#[test]
fn f32_vector_function_matches_its_f64_twin() {
    let (r, t) = (1.3_f32, 0.7_f32);
    let (value, j) = spiral_f32_jacobian(r, t);
    assert_eq!(value, spiral_f32(r, t));
    let expected = numeric_jacobian(spiral_ref, &[f64::from(r), f64::from(t)]);
    for (i, row) in j.iter().enumerate() {
        assert_all_close(&row.flat(), &expected[i], 1e-5, &format!("row {i}"));
    }
    let (_, g) = spiral_f32_vjp(r, t, [1.0, 0.0, -1.0]);
    let ut_j: Vec<f64> = (0..2).map(|c| expected[0][c] - expected[2][c]).collect();
    assert_all_close(&g.flat(), &ut_j, 1e-5, "f32 vjp");
    let (_, d) = spiral_f32_jvp(r, t, (0.0, 1.0));
    let column: Vec<f64> = expected.iter().map(|row| row[1]).collect();
    assert_all_close(&d.flat(), &column, 1e-5, "f32 jvp");
}

#[test]
fn scalar_jvp_is_the_gradient_along_the_tangent() {
    let (x, y) = (-1.2, 0.9);
    let (value, (gx, gy)) = rosen_grad(x, y);
    for v in [(1.0, 0.0), (0.0, 1.0), (0.3, -2.5)] {
        let (jv_value, d) = rosen_jvp(x, y, v);
        assert_eq!(jv_value, value);
        // forward sweep vs reverse sweep
        assert_all_close(&[d], &[gx * v.0 + gy * v.1], 1e-13, "jvp vs grad");
        // vs finite differences along v
        let fd = central_diff(|h| rosen(x + h * v.0, y + h * v.1), 0.0);
        assert_all_close(&[d], &[fd], 1e-8, "jvp vs finite differences");
    }
}

#[test]
fn tuple_and_reference_parameters_take_tangents_of_their_shape() {
    let (p, w) = ((0.7, -0.4), [1.5, 2.0]);
    let (value, grad) = shapes_grad(p, &w);
    let (jv_value, d) = shapes_jvp(p, &w, ((0.0, 1.0), [0.5, 0.0]));
    assert_eq!(jv_value, value);
    let expected = grad.0 .1 + 0.5 * grad.1[0];
    assert_all_close(&[d], &[expected], 1e-13, "jvp vs grad");
    let fd = central_diff(|h| shapes((p.0, p.1 + h), &[w[0] + 0.5 * h, w[1]]), 0.0);
    assert_all_close(&[d], &[fd], 1e-8, "jvp vs finite differences");
}

#[test]
fn forward_and_reverse_gradients_agree_on_the_composition() {
    for (x, a) in [(0.3, 0.9), (-1.1, 0.7), (2.0, -0.95)] {
        let (vf, gf) = compose_forward_grad(x, a);
        let (vr, gr) = compose_reverse_grad(x, a);
        assert_eq!(vf, vr);
        assert_all_close(&gf.flat(), &gr.flat(), 1e-12, "forward vs reverse");
        let fd = [
            central_diff(|t| compose_forward(t, a), x),
            central_diff(|t| compose_forward(x, t), a),
        ];
        assert_all_close(&gf.flat(), &fd, 1e-7, "forward vs finite differences");
    }
}

/// The README's example, as written there.
#[differentiable]
fn polar(r: f64, t: f64) -> [f64; 2] {
    [r * t.cos(), r * t.sin()]
}

#[test]
fn readme_example() {
    let (xy, j) = polar_jacobian(2.0, 0.5);
    assert_eq!(xy, polar(2.0, 0.5));
    let closed = [
        [0.5_f64.cos(), -2.0 * 0.5_f64.sin()],
        [0.5_f64.sin(), 2.0 * 0.5_f64.cos()],
    ];
    assert_all_close(&j.flat(), &closed.flat(), 1e-15, "jacobian");
    let (_, d) = polar_jvp(2.0, 0.5, (1.0, 0.0));
    assert_all_close(&d, &[j[0][0], j[1][0]], 1e-15, "∂(x, y)/∂r");
    let (_, (dr, dt)) = polar_vjp(2.0, 0.5, [1.0, 0.0]);
    assert_all_close(&[dr, dt], &j[0], 1e-15, "first row");
}

/// A run-time loop: the Jacobian takes forward sweeps through it (three
/// inputs, two outputs, where reverse sweeps would otherwise be fewer).
#[differentiable]
fn orbit(p: [f64; 2], k: f64, #[nograd] steps: usize) -> [f64; 2] {
    let mut x = p[0];
    let mut y = p[1];
    for _ in 0..steps {
        let nx = x + 0.1 * y;
        y -= 0.1 * k * nx.sin();
        x = nx;
    }
    [x, y]
}

/// Parameters named like the generated ones: those take another name.
#[differentiable(hessian)]
fn clash(tangent: f64, v: f64, cotangent: f64) -> f64 {
    tangent * v.sin() + cotangent * cotangent
}

#[test]
fn jacobian_through_a_run_time_loop() {
    let (p, k) = ([0.3, -0.2], 1.7);
    for steps in [0, 1, 25] {
        let (value, j) = orbit_jacobian(p, k, steps);
        assert_eq!(value, orbit(p, k, steps));
        let f = |v: &[f64]| orbit([v[0], v[1]], v[2], steps).to_vec();
        let expected = numeric_jacobian(f, &[p[0], p[1], k]);
        for (i, row) in j.iter().enumerate() {
            assert_all_close(row, &expected[i], 1e-8, &format!("{steps} steps, row {i}"));
        }
        let (_, g) = orbit_vjp(p, k, steps, [0.5, 2.0]);
        let ut_j: Vec<f64> = (0..3).map(|c| 0.5 * j[0][c] + 2.0 * j[1][c]).collect();
        assert_all_close(&g.flat(), &ut_j, 1e-12, "vjp vs jacobian");
    }
}

#[test]
fn generated_parameter_names_avoid_the_users() {
    let (t, v, c) = (0.4, 1.1, -0.3);
    let (value, grad) = clash_grad(t, v, c);
    let (jv_value, d) = clash_jvp(t, v, c, (1.0, 2.0, 3.0));
    assert_eq!(jv_value, value);
    assert_all_close(&[d], &[grad.0 + 2.0 * grad.1 + 3.0 * grad.2], 1e-13, "jvp");
    let (_, _, hv) = clash_hvp(t, v, c, (1.0, 0.0, 0.0));
    // column 0 of the Hessian: (0, cos v, 0)
    assert_all_close(&hv.flat(), &[0.0, v.cos(), 0.0], 1e-13, "hvp");
}

#[path = "jvp_jacobian/slices.rs"]
mod slices;
