//! Second order through the macro: `#[differentiable(hessian)]` gives
//! `name_hessian` and `name_hvp` (forward over reverse).
//!
//! Expected Hessians are central finite differences of the generated
//! gradient (itself checked against finite differences elsewhere) and, where
//! short, closed forms; every Hessian is checked for symmetry, and the HVP
//! against `H·v` and against finite differences of the gradient along `v`.

mod common;

use common::{assert_all_close, central_diff, Flat};
use macrograd::differentiable;

/// The Hessian of a function whose gradient is `grad`, by central
/// differences of the gradient, row by row.
fn numeric_hessian(grad: impl Fn(&[f64]) -> Vec<f64>, x: &[f64]) -> Vec<Vec<f64>> {
    let n = x.len();
    let mut h = vec![vec![0.0; n]; n];
    for j in 0..n {
        for (i, row) in h.iter_mut().enumerate() {
            row[j] = central_diff(
                |t| {
                    let mut y = x.to_vec();
                    y[j] = t;
                    grad(&y)[i]
                },
                x[j],
            );
        }
    }
    h
}

fn assert_symmetric(h: &[Vec<f64>], tol: f64) {
    for (i, row) in h.iter().enumerate() {
        for (j, &hij) in row.iter().enumerate().take(i) {
            let what = format!("H[{i}][{j}] vs H[{j}][{i}]");
            assert_all_close(&[hij], &[h[j][i]], tol, &what);
        }
    }
}

#[differentiable(hessian)]
fn rosen(x: f64, y: f64) -> f64 {
    let a = 1.0 - x;
    let b = y - x * x;
    a * a + 100.0 * b * b
}

/// One input: a 1×1 Hessian.
#[differentiable(hessian)]
fn wave(x: f64) -> f64 {
    x.sin() * x.exp()
}

/// An array, a `#[nograd]` input, a run-time branch and a constant loop.
#[differentiable(hessian)]
fn mixed(x: [f64; 3], #[nograd] c: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..3 {
        s += (x[i] * c).sin() * x[(i + 1) % 3];
    }
    if x[0] > 0.0 {
        s * s + x[2].exp()
    } else {
        s.tanh() / (1.0 + x[1] * x[1])
    }
}

/// Extended Rosenbrock, n = 10 (the loop has a constant range: unrolled).
#[differentiable(hessian)]
fn ext_rosen(x: [f64; 10]) -> f64 {
    let mut sum = 0.0;
    for i in 0..5 {
        let a = 1.0 - x[2 * i];
        let b = x[2 * i + 1] - x[2 * i] * x[2 * i];
        sum += a * a + 100.0 * b * b;
    }
    sum
}

/// f32, a tuple parameter.
#[differentiable(hessian)]
fn pair_f32(p: (f32, f32)) -> f32 {
    p.0 * p.0 * p.1 + (p.0 * p.1).cos()
}

fn rows<const N: usize>(h: [[f64; N]; N]) -> Vec<Vec<f64>> {
    h.iter().map(|r| r.to_vec()).collect()
}

#[test]
fn rosenbrock_hessian_closed_form_and_finite_differences() {
    for (x, y) in [(-1.2, 1.0), (1.0, 1.0), (0.3, -0.7)] {
        let (value, grad, h) = rosen_hessian(x, y);
        // the value and gradient are exactly `rosen_grad`'s
        assert_eq!((value, grad), rosen_grad(x, y));
        // ∂²/∂x² = 2 − 400(y − x²) + 800x², ∂²/∂x∂y = −400x, ∂²/∂y² = 200
        let closed = [
            [2.0 - 400.0 * (y - x * x) + 800.0 * x * x, -400.0 * x],
            [-400.0 * x, 200.0],
        ];
        assert_all_close(&h.flat(), &closed.flat(), 1e-13, "closed form");
        let fd = numeric_hessian(|v| rosen_grad(v[0], v[1]).1.flat(), &[x, y]);
        assert_all_close(&h.flat(), &fd.concat(), 1e-7, "finite differences");
    }
}

#[test]
fn one_input_gives_a_one_by_one_hessian() {
    for x in [-0.8, 0.0, 1.7] {
        let (value, grad, h) = wave_hessian(x);
        assert_eq!((value, grad), wave_grad(x));
        // (sin x·eˣ)″ = 2 cos x·eˣ
        assert_all_close(&[h[0][0]], &[2.0 * x.cos() * x.exp()], 1e-13, "closed form");
        let fd = central_diff(|t| wave_grad(t).1, x);
        assert_all_close(&[h[0][0]], &[fd], 1e-8, "finite differences");
    }
}

#[test]
fn arrays_branches_and_loops_match_finite_differences_and_are_symmetric() {
    for (x, c) in [([0.4, -0.9, 0.6], 1.3), ([-0.4, 0.9, -0.2], 0.7)] {
        let (value, grad, h) = mixed_hessian(x, c);
        assert_eq!((value, grad), mixed_grad(x, c));
        let h = rows(h);
        assert_symmetric(&h, 1e-13);
        let fd = numeric_hessian(|v| mixed_grad([v[0], v[1], v[2]], c).1.to_vec(), &x);
        assert_all_close(&h.concat(), &fd.concat(), 1e-7, &format!("x = {x:?}"));
    }
}

#[test]
fn hvp_is_h_times_v_and_the_derivative_of_the_gradient_along_v() {
    let x = [-1.2, 1.0, 0.5, 0.3, 2.0, -0.1, 0.0, 1.1, -0.7, 0.9];
    let v = [0.3, -1.0, 2.0, 0.5, 0.0, 1.5, -0.25, 0.75, 1.0, -2.0];
    let (value, grad, hv) = ext_rosen_hvp(x, v);
    assert_eq!((value, grad), ext_rosen_grad(x));
    let (_, _, h) = ext_rosen_hessian(x);
    let h = rows(h);
    assert_symmetric(&h, 1e-13);
    let h_v: Vec<f64> = h
        .iter()
        .map(|row| row.iter().zip(&v).map(|(a, b)| a * b).sum())
        .collect();
    assert_all_close(&hv, &h_v, 1e-12, "hvp vs hessian·v");
    // d/dt ∇f(x + t·v) at t = 0, one coordinate at a time
    for (i, &hvi) in hv.iter().enumerate() {
        let fd = central_diff(
            |t| {
                let y: [f64; 10] = std::array::from_fn(|k| x[k] + t * v[k]);
                ext_rosen_grad(y).1[i]
            },
            0.0,
        );
        assert_all_close(&[hvi], &[fd], 1e-7, &format!("(H·v)[{i}]"));
    }
}

#[test]
fn f32_tuple_parameter() {
    let p = (0.8_f32, -0.6_f32);
    let (value, grad, h) = pair_f32_hessian(p);
    assert_eq!((value, grad), pair_f32_grad(p));
    // f64 twin: f = a²b + cos(ab)
    let (a, b) = (f64::from(p.0), f64::from(p.1));
    let (s, c) = (a * b).sin_cos();
    let closed = [
        [2.0 * b - b * b * c, 2.0 * a - s - a * b * c],
        [2.0 * a - s - a * b * c, -a * a * c],
    ];
    assert_all_close(&h.flat(), &closed.flat(), 1e-5, "f32 hessian");
    assert_eq!(h[0][1], h[1][0]);
    let (_, _, hv) = pair_f32_hvp(p, (1.0, 2.0));
    let expected = [
        closed[0][0] + 2.0 * closed[0][1],
        closed[1][0] + 2.0 * closed[1][1],
    ];
    assert_all_close(&hv.flat(), &expected, 1e-5, "f32 hvp");
}

/// The README's example, as written there.
#[differentiable(hessian)]
fn rosenbrock(x: f64, y: f64) -> f64 {
    (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
}

#[test]
fn readme_example() {
    let (f, grad, h) = rosenbrock_hessian(-1.2, 1.0);
    assert_eq!((f, grad), rosenbrock_grad(-1.2, 1.0));
    assert_all_close(&[h[0][1]], &[480.0], 1e-13, "∂²f/∂x∂y = −400x");
    let (_, _, hv) = rosenbrock_hvp(-1.2, 1.0, (1.0, 0.0));
    assert_eq!(hv, (h[0][0], h[1][0]));
}

/// GELU's second derivative (the derivative of the `gelu′` its gradient
/// calls), with a second input.
#[differentiable(hessian)]
fn gelu_pair(x: f64, y: f64) -> f64 {
    macrograd::ops::gelu(x * y) + y
}

#[test]
fn gelu_second_derivative_matches_finite_differences() {
    for (x, y) in [(0.7, -1.3), (-0.4, 0.9), (1.5, 1.1)] {
        let (_, _, h) = gelu_pair_hessian(x, y);
        let fd = numeric_hessian(|v| gelu_pair_grad(v[0], v[1]).1.flat(), &[x, y]);
        assert_all_close(&h.flat(), &fd.concat(), 1e-7, &format!("({x}, {y})"));
    }
}

// Nested differentiation: a differentiable function calling the gradient of
// a `#[differentiable(hessian)]` one, differentiated through its HVP.

#[differentiable(hessian)]
fn plus(x: f64, y: f64) -> f64 {
    x + y
}

/// `x · d/dy (x + y)` at `y = 1`: `x`, so its derivative is 1 (a tool that
/// confuses the two perturbations answers 2). One input: forward mode.
#[differentiable]
fn confusion(x: f64) -> f64 {
    let (_, g) = plus_grad(x, 1.0);
    x * g.1
}

/// The same with `y` an input too (two inputs: reverse mode).
#[differentiable]
fn confusion2(x: f64, y: f64) -> f64 {
    let (_, g) = plus_grad(x, y);
    x * g.1
}

#[test]
fn no_perturbation_confusion() {
    for x in [-2.0, 0.5, 3.0] {
        assert_eq!(confusion_grad(x), (x, 1.0));
        assert_eq!(confusion2_grad(x, 1.0), (x, (1.0, 0.0)));
        assert_eq!(confusion_jvp(x, 2.0), (x, 2.0));
    }
}

#[differentiable(hessian)]
fn cubic(x: f64, y: f64) -> f64 {
    x * x * x * y + y * y
}

/// `‖∇h‖²` for `h = x³y + y²`: `9x⁴y² + (x³ + 2y)²`.
#[differentiable]
fn grad_norm(x: f64, y: f64) -> f64 {
    let (_, g) = cubic_grad(x, y);
    g.0 * g.0 + g.1 * g.1
}

/// The same, forced through forward mode, and using the value as well.
#[differentiable(mode = forward)]
fn grad_norm_fwd(x: f64, y: f64) -> f64 {
    let (v, g) = cubic_grad(x, y);
    g.0 * g.0 + g.1 * g.1 + v
}

#[test]
fn gradient_norm_closed_form_and_finite_differences() {
    for (x, y) in [(0.7_f64, -1.3), (-1.1, 0.4), (1.5, 2.0)] {
        let s = x * x * x + 2.0 * y;
        let value = 9.0 * x.powi(4) * y * y + s * s;
        let dx = 36.0 * x.powi(3) * y * y + 6.0 * x * x * s;
        let dy = 18.0 * x.powi(4) * y + 4.0 * s;
        let (v, g) = grad_norm_grad(x, y);
        assert_all_close(&[v, g.0, g.1], &[value, dx, dy], 1e-12, "closed form");
        let fd = [
            central_diff(|t| grad_norm(t, y), x),
            central_diff(|t| grad_norm(x, t), y),
        ];
        assert_all_close(&g.flat(), &fd, 1e-7, "finite differences");
        // forward mode: the value's derivative (∇h) is added
        let (_, gf) = grad_norm_fwd_grad(x, y);
        let h = cubic_grad(x, y).1;
        assert_all_close(&gf.flat(), &[dx + h.0, dy + h.1], 1e-12, "forward");
        // the JVP agrees with the gradient
        let (_, t) = grad_norm_jvp(x, y, (0.5, -2.0));
        assert_all_close(&[t], &[0.5 * dx - 2.0 * dy], 1e-12, "jvp");
    }
}

#[differentiable(hessian)]
fn bowl(a: [f64; 2], #[nograd] c: f64) -> f64 {
    (a[0] * c).sin() * a[1] + a[0] * a[1] * a[1]
}

/// An array argument and a `#[nograd]` one passed on (no gradient entry).
#[differentiable]
fn through_bowl(a: [f64; 2], #[nograd] c: f64) -> f64 {
    let (v, g) = bowl_grad(a, c);
    v * g[0] + (g[1] * a[0]).sin()
}

#[test]
fn arrays_and_nograd_arguments_match_finite_differences() {
    for (a, c) in [([0.3, -0.8], 1.2), ([-1.0, 0.6], 0.5)] {
        let (v, g) = through_bowl_grad(a, c);
        assert_eq!(v, through_bowl(a, c));
        let fd = [
            central_diff(|t| through_bowl([t, a[1]], c), a[0]),
            central_diff(|t| through_bowl([a[0], t], c), a[1]),
        ];
        assert_all_close(&g, &fd, 1e-7, &format!("a = {a:?}"));
    }
}

/// A user's own function whose name ends in `_grad`…
#[differentiable]
fn triple_grad(x: f64) -> f64 {
    3.0 * x
}

/// …called through a path: an ordinary call, not a nested gradient.
#[differentiable]
fn uses_triple_grad(x: f64, y: f64) -> f64 {
    self::triple_grad(x) * y
}

#[test]
fn a_path_to_a_function_named_like_a_gradient_is_an_ordinary_call() {
    assert_eq!(uses_triple_grad_grad(2.0, 5.0), (30.0, (15.0, 6.0)));
}

#[differentiable(hessian)]
fn well(x: f64, y: f64) -> f64 {
    x * x * (1.0 + y * y) + (x * y).sin()
}

/// Gradient descent steps on `well` in a run-time loop, differentiated
/// with respect to the start (state carried across iterations).
#[differentiable]
fn descend(x: f64, y: f64, #[nograd] steps: usize) -> f64 {
    let mut a = x;
    let mut b = y;
    for _ in 0..steps {
        let (_, g) = well_grad(a, b);
        a -= 0.1 * g.0;
        b -= 0.1 * g.1;
    }
    a * a + b
}

#[test]
fn nested_gradient_in_a_run_time_loop_matches_finite_differences() {
    for (x, y) in [(0.8, -0.3), (-0.5, 1.2)] {
        let (v, g) = descend_grad(x, y, 7);
        assert_eq!(v, descend(x, y, 7));
        let fd = [
            central_diff(|t| descend(t, y, 7), x),
            central_diff(|t| descend(x, t, 7), y),
        ];
        assert_all_close(&g.flat(), &fd, 1e-7, &format!("({x}, {y})"));
    }
}

// Hessians through run-time loops: accumulators are swept again as loops,
// a state loop's tape records each tangent beside its value.

/// Extended Rosenbrock over the first `n + 1` elements, in a run-time loop.
#[differentiable(hessian)]
fn ext_rosen_loop(x: [f64; 6], #[nograd] n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        let a = 1.0 - x[i];
        let b = x[i + 1] - x[i] * x[i];
        s += a * a + 100.0 * b * b;
    }
    s
}

/// The analytic Hessian of `Σ_{i<n} (1 − xᵢ)² + 100 (xᵢ₊₁ − xᵢ²)²`.
fn ext_rosen_hessian_closed(x: &[f64], n: usize) -> Vec<Vec<f64>> {
    let mut h = vec![vec![0.0; x.len()]; x.len()];
    for i in 0..n {
        h[i][i] += 2.0 - 400.0 * (x[i + 1] - x[i] * x[i]) + 800.0 * x[i] * x[i];
        h[i][i + 1] -= 400.0 * x[i];
        h[i + 1][i] -= 400.0 * x[i];
        h[i + 1][i + 1] += 200.0;
    }
    h
}

#[test]
fn hessian_and_hvp_through_a_run_time_accumulator_loop() {
    let x = [-1.2, 1.0, 0.5, 0.3, 2.0, -0.1];
    let v = [0.3, -1.0, 2.0, 0.5, 0.0, 1.5];
    for n in [0, 3, 5] {
        let closed = ext_rosen_hessian_closed(&x, n);
        let (value, grad, h) = ext_rosen_loop_hessian(x, n);
        assert_eq!((value, grad), ext_rosen_loop_grad(x, n));
        assert_all_close(
            &rows(h).concat(),
            &closed.concat(),
            1e-12,
            &format!("n = {n}"),
        );
        let (_, _, hv) = ext_rosen_loop_hvp(x, n, v);
        let h_v: Vec<f64> = closed
            .iter()
            .map(|row| row.iter().zip(&v).map(|(a, b)| a * b).sum())
            .collect();
        assert_all_close(&hv, &h_v, 1e-12, &format!("hvp, n = {n}"));
    }
}

/// A state loop: each step reads the last (its tape holds the state).
#[differentiable(hessian)]
fn iterate(x: f64, y: f64, #[nograd] steps: usize) -> f64 {
    let mut s = x;
    for _ in 0..steps {
        s = (s * y).sin() + 0.1 * s * s;
    }
    s
}

/// A `while` loop (its trip count is recorded too).
#[differentiable(hessian)]
fn halve(x: f64, y: f64) -> f64 {
    let mut s = x * y;
    let mut t = 0.0;
    while s > 0.1 {
        s = 0.5 * s + 0.01 * (s * x).sin();
        t += s * y;
    }
    t + s
}

#[test]
fn hessian_through_state_and_while_loops_matches_finite_differences() {
    for (x, y) in [(0.4, 0.9), (-0.7, 1.3)] {
        let (_, _, h) = iterate_hessian(x, y, 6);
        let fd = numeric_hessian(|v| iterate_grad(v[0], v[1], 6).1.flat(), &[x, y]);
        assert_all_close(
            &h.flat(),
            &fd.concat(),
            1e-6,
            &format!("iterate ({x}, {y})"),
        );
        let (_, _, hv) = iterate_hvp(x, y, 6, (0.5, -2.0));
        let expected = [0.5 * h[0][0] - 2.0 * h[0][1], 0.5 * h[1][0] - 2.0 * h[1][1]];
        assert_all_close(&hv.flat(), &expected, 1e-12, "iterate hvp");
    }
    for (x, y) in [(0.9, 1.7), (1.4, 0.8)] {
        let (_, _, h) = halve_hessian(x, y);
        let fd = numeric_hessian(|v| halve_grad(v[0], v[1]).1.flat(), &[x, y]);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, &format!("halve ({x}, {y})"));
    }
}

/// A helper with its own Hessian, called by functions with `hessian`.
#[differentiable(hessian)]
fn bump(x: f64, y: f64) -> f64 {
    (x * y).sin() + x * x * y
}

/// An array helper with a `#[nograd]` parameter.
#[differentiable(hessian)]
fn spring(p: [f64; 2], #[nograd] k: f64) -> f64 {
    k * (p[0] * p[0] + p[1] * p[1]).sqrt()
}

/// Calls of helpers: their second derivative comes from their HVP.
#[differentiable(hessian)]
fn through_helpers(a: f64, b: f64) -> f64 {
    let u = bump(a.sin(), b) * a;
    u + bump(b, a * b) + spring([a, b * b], 1.5)
}

/// A helper called in a run-time loop over data.
#[differentiable(hessian)]
fn helper_in_a_loop(a: f64, b: f64, #[nograd] xs: &[f64]) -> f64 {
    let mut s = 0.0;
    for &x in xs {
        s += bump(a * x, b) * x;
    }
    s
}

#[test]
fn hessians_through_helper_calls_match_finite_differences() {
    for (a, b) in [(0.4, 0.9), (-0.7, 1.3), (1.1, -0.6)] {
        let (v, g, h) = through_helpers_hessian(a, b);
        assert_eq!((v, g), through_helpers_grad(a, b));
        let fd = numeric_hessian(|p| through_helpers_grad(p[0], p[1]).1.flat(), &[a, b]);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, &format!("({a}, {b})"));
        assert_symmetric(&rows(h), 1e-12);
        let (_, _, hv) = through_helpers_hvp(a, b, (0.5, -2.0));
        let expected = [0.5 * h[0][0] - 2.0 * h[0][1], 0.5 * h[1][0] - 2.0 * h[1][1]];
        assert_all_close(&hv.flat(), &expected, 1e-12, "hvp");
    }
    for xs in [vec![], vec![0.5], vec![0.5, -1.5, 2.0]] {
        let (a, b) = (0.3, -0.8);
        let (_, _, h) = helper_in_a_loop_hessian(a, b, &xs);
        let fd = numeric_hessian(|p| helper_in_a_loop_grad(p[0], p[1], &xs).1.flat(), &[a, b]);
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, &format!("xs = {xs:?}"));
    }
}

#[test]
fn a_helper_call_in_a_hessian_has_the_closed_form() {
    // f(a, b) = bump(a, b) = sin(ab) + a²b:
    // f_aa = -b² sin(ab) + 2b, f_ab = cos(ab) - ab sin(ab) + 2a, f_bb = -a² sin(ab)
    #[differentiable(hessian)]
    fn just_bump(a: f64, b: f64) -> f64 {
        bump(a, b)
    }
    let (a, b): (f64, f64) = (0.7, -1.2);
    let (_, _, h) = just_bump_hessian(a, b);
    let s = (a * b).sin();
    let want = [
        -b * b * s + 2.0 * b,
        (a * b).cos() - a * b * s + 2.0 * a,
        (a * b).cos() - a * b * s + 2.0 * a,
        -a * a * s,
    ];
    assert_all_close(&h.flat(), &want, 1e-12, "closed form");
}

/// `h_jvp` in a body: `(h, ∇h·t)` with a tangent that depends on the
/// inputs, differentiated through `h`'s HVP. With `h = x³y + y²` and
/// `t = (y, 1)`: `∇h·t = 3x²y² + x³ + 2y`, so
/// `f = x·(3x²y² + x³ + 2y) + x³y + y²`.
#[differentiable]
fn along(x: f64, y: f64) -> f64 {
    let (v, t) = cubic_jvp(x, y, (y, 1.0));
    t * x + v
}

/// The same in forward mode.
#[differentiable(mode = forward)]
fn along_fwd(x: f64, y: f64) -> f64 {
    let (v, t) = cubic_jvp(x, y, (y, 1.0));
    t * x + v
}

/// An array argument, a `#[nograd]` one (no tangent entry) and an array
/// tangent.
#[differentiable]
fn bowl_along(a: [f64; 2], #[nograd] c: f64) -> f64 {
    let (_, t) = bowl_jvp(a, c, [a[1], 0.5]);
    t * t
}

#[test]
fn jvp_calls_in_a_body_match_closed_forms_and_differences() {
    for (x, y) in [(0.7, -1.3), (-0.4, 0.9)] {
        let want = (
            9.0 * x * x * y * y + 4.0 * x * x * x + 2.0 * y + 3.0 * x * x * y,
            6.0 * x * x * x * y + 2.0 * x + x * x * x + 2.0 * y,
        );
        let (v, g) = along_grad(x, y);
        assert_all_close(&[v], &[along(x, y)], 1e-14, "value");
        assert_all_close(&g.flat(), &want.flat(), 1e-12, "reverse");
        let (_, gf) = along_fwd_grad(x, y);
        assert_all_close(&gf.flat(), &want.flat(), 1e-12, "forward");
        let (_, t) = along_jvp(x, y, (0.5, -2.0));
        assert_all_close(&[t], &[0.5 * want.0 - 2.0 * want.1], 1e-12, "jvp");
    }
    for (a, c) in [([0.3, -0.8], 1.2), ([-1.0, 0.6], 0.5)] {
        let (v, g) = bowl_along_grad(a, c);
        // `∇h·t` from the gradient here, from `bowl_jvp`'s forward sweep in
        // `bowl_along`: equal up to rounding
        assert_all_close(&[v], &[bowl_along(a, c)], 1e-14, "value");
        let fd = [
            central_diff(|t| bowl_along([t, a[1]], c), a[0]),
            central_diff(|t| bowl_along([a[0], t], c), a[1]),
        ];
        assert_all_close(&g, &fd, 1e-7, &format!("a = {a:?}"));
    }
}

#[path = "hessian/buffers.rs"]
mod buffers;
#[path = "hessian/methods.rs"]
mod methods;
#[path = "hessian/slice_calls.rs"]
mod slice_calls;
#[path = "hessian/slices.rs"]
mod slices;
#[path = "hessian/struct_args.rs"]
mod struct_args;
#[path = "hessian/struct_base.rs"]
mod struct_base;
#[path = "hessian/struct_methods.rs"]
mod struct_methods;
#[path = "hessian/struct_results.rs"]
mod struct_results;
#[path = "hessian/struct_to_vector.rs"]
mod struct_to_vector;
#[path = "hessian/struct_whole.rs"]
mod struct_whole;
#[path = "hessian/vector_calls.rs"]
mod vector_calls;
#[path = "hessian/vector_methods.rs"]
mod vector_methods;
