//! Types users write (issue 8): tuples inside a body (`x.sin_cos()`,
//! tuple values, destructuring `let`, `t.0`, tuples out of an `if`).
//!
//! Every function is written once in `corpus!` and instantiated in f64 and
//! f32. Each test checks the gradient against a closed form derived by hand
//! (in the test, in f64) and against central finite differences of the f64
//! and of the f32 function.

mod common;

use common::{assert_all_close, central_diff_f32, numeric_grad, numeric_grad_f32};

/// f64 gradient vs the closed form
const TOL_64: f64 = 1e-12;
/// f64 gradient vs finite differences
const TOL_FD: f64 = 1e-7;
/// f32 gradient vs the (f64) closed form
const TOL_32: f64 = 1e-4;
/// f32 gradient vs f32 finite differences
const TOL_FD_32: f64 = 5e-2;

macro_rules! corpus {
    ($F:ident) => {
        use macrograd::differentiable;

        /// `sin_cos` gives both values of one argument.
        #[differentiable]
        pub fn polar(r: $F, t: $F) -> $F {
            let (s, c) = (r * t).sin_cos();
            r * s + c * c
        }

        /// A tuple value taken apart, nested, with `_` and `.0`/`.1`.
        #[differentiable]
        pub fn pair(x: $F, y: $F) -> $F {
            let (a, b) = (x * y, x + y);
            let t = (a, (b, x - y));
            let (_, (p, q)) = t;
            let (u, v): ($F, $F) = (t.0 * q, (t.1).1);
            a * b + p * q + u - v
        }

        /// A tuple as the value of a run-time `if`.
        #[differentiable]
        pub fn branchy(x: $F, y: $F) -> $F {
            let (m, n) = if x > y { (x * y, x) } else { (y, x + y) };
            m * n
        }

        /// Parameters by shared reference: the gradient entries are values.
        #[differentiable]
        pub fn by_ref(x: &$F, w: &[$F; 3], #[nograd] k: &$F) -> $F {
            let s = w[0] * x + w[1] * x * x + w[2] * x.powi(3);
            s * *k + x.sin()
        }

        /// Passes its own reference parameters on as they are.
        #[differentiable]
        pub fn forwards_refs(x: &$F, w: &[$F; 3], #[nograd] k: &$F) -> $F {
            by_ref(x, w, k) * 2.0
        }

        /// Calls `by_ref`, passing references as its signature asks.
        #[differentiable]
        pub fn calls_by_ref(x: $F, w: [$F; 3]) -> $F {
            let k = 2.0;
            by_ref(&(x * x), &w, &k) + x
        }
    };
}

mod c64 {
    corpus!(f64);
}

mod c32 {
    corpus!(f32);
}

/// Points away from the `if`'s switch (`x = y`).
const POINTS: [[f64; 2]; 4] = [[0.3, -1.2], [1.7, 0.4], [-2.0, 0.9], [0.5, 2.5]];

/// Checks one two-input function: its gradient against `expected` (f64 and
/// f32) and against finite differences of the f64 and the f32 function.
fn check(
    name: &str,
    g64: impl Fn(f64, f64) -> (f64, (f64, f64)),
    f64_fn: impl Fn(f64, f64) -> f64,
    g32: impl Fn(f32, f32) -> (f32, (f32, f32)),
    f32_fn: impl Fn(f32, f32) -> f32,
    value: impl Fn(f64, f64) -> f64,
    expected: impl Fn(f64, f64) -> [f64; 2],
) {
    for [x, y] in POINTS {
        let what = format!("{name} at ({x}, {y})");
        let (v, (gx, gy)) = g64(x, y);
        assert_all_close(&[v], &[value(x, y)], TOL_64, &what);
        let want = expected(x, y);
        assert_all_close(&[gx, gy], &want, TOL_64, &what);
        let fd = numeric_grad(|p| f64_fn(p[0], p[1]), &[x, y]);
        assert_all_close(&[gx, gy], &fd, TOL_FD, &what);
        let (v32, (gx32, gy32)) = g32(x as f32, y as f32);
        assert_all_close(&[v32 as f64], &[value(x, y)], TOL_32, &what);
        assert_all_close(&[gx32 as f64, gy32 as f64], &want, TOL_32, &what);
        let fd32 = numeric_grad_f32(|p| f32_fn(p[0], p[1]), &[x as f32, y as f32]);
        let fd32: Vec<f64> = fd32.iter().map(|&d| d as f64).collect();
        assert_all_close(&[gx32 as f64, gy32 as f64], &fd32, TOL_FD_32, &what);
    }
}

#[test]
fn sin_cos_matches_closed_form_and_differences() {
    // f = r sin(rt) + cos²(rt)
    // ∂f/∂r = sin(rt) + r t cos(rt) − 2 cos(rt) sin(rt) t
    // ∂f/∂t = r² cos(rt) − 2 cos(rt) sin(rt) r
    check(
        "polar",
        c64::polar_grad,
        c64::polar,
        c32::polar_grad,
        c32::polar,
        |r, t| r * (r * t).sin() + (r * t).cos().powi(2),
        |r, t| {
            let (s, c) = ((r * t).sin(), (r * t).cos());
            [s + r * t * c - 2.0 * c * s * t, r * r * c - 2.0 * c * s * r]
        },
    );
    // one variable: the f32 derivative by a scalar central difference too
    let d = central_diff_f32(|t| c32::polar(1.3, t), 0.7);
    let (_, (_, g)) = c32::polar_grad(1.3, 0.7);
    assert_all_close(&[g as f64], &[d as f64], TOL_FD_32, "polar f32 in t");
}

#[test]
fn tuple_values_and_destructuring_match_closed_form_and_differences() {
    // a = xy, b = x + y, p = b, q = x − y, u = a q, v = q
    // f = a b + b q + a q − q
    //   = x²y + xy² + x² − y² + x²y − xy² − x + y
    //   = 2x²y + x² − y² − x + y
    check(
        "pair",
        c64::pair_grad,
        c64::pair,
        c32::pair_grad,
        c32::pair,
        |x, y| 2.0 * x * x * y + x * x - y * y - x + y,
        |x, y| [4.0 * x * y + 2.0 * x - 1.0, 2.0 * x * x - 2.0 * y + 1.0],
    );
}

#[test]
fn tuple_from_runtime_if_matches_closed_form_and_differences() {
    // x > y: f = x²y, else f = y(x + y) = xy + y²
    check(
        "branchy",
        c64::branchy_grad,
        c64::branchy,
        c32::branchy_grad,
        c32::branchy,
        |x, y| if x > y { x * x * y } else { x * y + y * y },
        |x, y| {
            if x > y {
                [2.0 * x * y, x * x]
            } else {
                [y, x + 2.0 * y]
            }
        },
    );
}

#[test]
fn reference_parameters_get_value_gradients() {
    // f = k (w0 x + w1 x² + w2 x³) + sin x
    // ∂f/∂x = k (w0 + 2 w1 x + 3 w2 x²) + cos x, ∂f/∂wi = k x^(i+1)
    let closed = |x: f64, w: [f64; 3], k: f64| {
        let dx = k * (w[0] + 2.0 * w[1] * x + 3.0 * w[2] * x * x) + x.cos();
        [dx, k * x, k * x * x, k * x * x * x]
    };
    for (x, w, k) in [(0.7, [1.0, -2.0, 0.5], 1.5), (-1.3, [0.2, 0.4, -0.3], -0.8)] {
        let what = format!("by_ref at x = {x}");
        let (v, (gx, gw)): (f64, (f64, [f64; 3])) = c64::by_ref_grad(&x, &w, &k);
        assert_all_close(&[v], &[c64::by_ref(&x, &w, &k)], TOL_64, &what);
        let got = [gx, gw[0], gw[1], gw[2]];
        assert_all_close(&got, &closed(x, w, k), TOL_64, &what);
        let fd = numeric_grad(
            |p| c64::by_ref(&p[0], &[p[1], p[2], p[3]], &k),
            &[x, w[0], w[1], w[2]],
        );
        assert_all_close(&got, &fd, TOL_FD, &what);

        let (x32, w32, k32) = (x as f32, w.map(|v| v as f32), k as f32);
        let (_, (gx32, gw32)): (f32, (f32, [f32; 3])) = c32::by_ref_grad(&x32, &w32, &k32);
        let got32: Vec<f64> = [gx32, gw32[0], gw32[1], gw32[2]]
            .iter()
            .map(|&d| d as f64)
            .collect();
        assert_all_close(&got32, &closed(x, w, k), TOL_32, &what);
        let fd32 = numeric_grad_f32(
            |p| c32::by_ref(&p[0], &[p[1], p[2], p[3]], &k32),
            &[x32, w32[0], w32[1], w32[2]],
        );
        let fd32: Vec<f64> = fd32.iter().map(|&d| d as f64).collect();
        assert_all_close(&got32, &fd32, TOL_FD_32, &what);
    }
}

#[test]
fn reference_parameters_in_grad_closures() {
    let f = macrograd::grad!(|x: &f64, y: f64| x * y + x.exp());
    let (v, (dx, dy)) = f(&0.5, 2.0);
    assert_all_close(
        &[v, dx, dy],
        &[1.0 + 0.5f64.exp(), 2.0 + 0.5f64.exp(), 0.5],
        TOL_64,
        "closure",
    );
}

#[test]
fn calls_pass_references_through() {
    // f = by_ref(x², w, 2) + x = 2 (w0 x² + w1 x⁴ + w2 x⁶) + sin x² + x
    let (x, w) = (0.6, [0.3, -1.1, 0.7]);
    let (v, (gx, gw)) = c64::calls_by_ref_grad(x, w);
    assert_all_close(&[v], &[c64::calls_by_ref(x, w)], TOL_64, "value");
    let dx = 2.0 * (2.0 * w[0] * x + 4.0 * w[1] * x.powi(3) + 6.0 * w[2] * x.powi(5))
        + 2.0 * x * (x * x).cos()
        + 1.0;
    let closed = [dx, 2.0 * x * x, 2.0 * x.powi(4), 2.0 * x.powi(6)];
    let got = [gx, gw[0], gw[1], gw[2]];
    assert_all_close(&got, &closed, TOL_64, "closed form");
    let fd = numeric_grad(
        |p| c64::calls_by_ref(p[0], [p[1], p[2], p[3]]),
        &[x, w[0], w[1], w[2]],
    );
    assert_all_close(&got, &fd, TOL_FD, "differences");
    let (_, (gx32, gw32)) = c32::calls_by_ref_grad(x as f32, w.map(|v| v as f32));
    let got32: Vec<f64> = [gx32, gw32[0], gw32[1], gw32[2]]
        .iter()
        .map(|&d| d as f64)
        .collect();
    assert_all_close(&got32, &closed, TOL_32, "f32");
}

/// Least squares over captured data, for the capture tests.
#[macrograd::differentiable]
fn sq_loss(w: [f64; 2], #[nograd] xs: &[f64], #[nograd] ys: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..xs.len() {
        let r = w[0] * xs[i] + w[1] - ys[i];
        s += r * r;
    }
    s
}

#[test]
fn grad_closures_capture_data_sizes_and_floats() {
    let xs = vec![0.5, -1.0, 2.0, 3.5];
    let ys = vec![1.0, 0.25, -0.5, 2.0];
    let scale = 0.5;
    let n = xs.len();
    // data passed on to a function, a float in arithmetic, a size in index arithmetic
    let f = macrograd::grad!(|w: [f64; 2]| scale * sq_loss(w, &xs, &ys) + w[n - 3] * w[n - 3]);
    let w = [0.7, -0.2];
    let (v, g) = f(w);
    // closed form: ∂/∂w0 = scale·Σ 2 r x, ∂/∂w1 = scale·Σ 2 r + 2 w1
    let r: Vec<f64> = xs
        .iter()
        .zip(&ys)
        .map(|(x, y)| w[0] * x + w[1] - y)
        .collect();
    let want_v = scale * r.iter().map(|r| r * r).sum::<f64>() + w[1] * w[1];
    let g0 = scale * r.iter().zip(&xs).map(|(r, x)| 2.0 * r * x).sum::<f64>();
    let g1 = scale * r.iter().map(|r| 2.0 * r).sum::<f64>() + 2.0 * w[1];
    assert_all_close(&[v], &[want_v], TOL_64, "value");
    assert_all_close(&g, &[g0, g1], TOL_64, "closed form");
    let fd = numeric_grad(|p| f([p[0], p[1]]).0, &w);
    assert_all_close(&g, &fd, TOL_FD, "differences");
    // the closure borrows: the data is still there
    assert_eq!(xs.len(), 4);

    let k = 3.0f32;
    let h = macrograd::grad!(|x: f32| (k * x).sin());
    let (_, d) = h(0.4);
    let fd32 = central_diff_f32(|x| (k * x).sin(), 0.4);
    assert_all_close(
        &[d as f64],
        &[(3.0 * (1.2f64).cos())],
        TOL_32,
        "f32 closed form",
    );
    assert_all_close(&[d as f64], &[fd32 as f64], TOL_FD_32, "f32 differences");
}

#[test]
fn captured_data_to_index_becomes_a_closure_parameter() {
    // what the error for an indexed capture suggests
    let data = vec![1.0, 2.0, 4.0];
    let f = macrograd::grad!(|w: f64, #[nograd] xs: &[f64]| {
        let mut s = 0.0;
        for i in 0..xs.len() {
            s += (w * xs[i]).sin();
        }
        s
    });
    let (_, d) = f(0.3, &data);
    let want: f64 = data.iter().map(|x| x * (0.3 * x).cos()).sum();
    assert_all_close(&[d], &[want], TOL_64, "closed form");
    let fd = numeric_grad(|p| f(p[0], &data).0, &[0.3]);
    assert_all_close(&[d], &fd, TOL_FD, "differences");
}

/// Stands for a crate the user does not own: plain functions, no derivatives.
mod other_crate {
    /// The error function by its Maclaurin series (|x| ≤ 2 here).
    pub fn erf(x: f64) -> f64 {
        let (mut term, mut sum) = (x, x);
        for n in 1..60 {
            term *= -x * x / n as f64;
            sum += term / (2 * n + 1) as f64;
        }
        2.0 / std::f64::consts::PI.sqrt() * sum
    }

    pub fn logaddexp(a: f32, b: f32) -> f32 {
        let m = a.max(b);
        m + ((a - m).exp() + (b - m).exp()).ln()
    }
}

macrograd::derivative! {
    /// `other_crate::erf` with its derivative 2/√π·e^(−x²).
    fn erf(x: f64) -> f64 = other_crate::erf(x);
    gradient = 2.0 / std::f64::consts::PI.sqrt() * (-x * x).exp();
}

macrograd::derivative! {
    fn logaddexp(a: f32, b: f32) -> f32 = other_crate::logaddexp(a, b);
    gradient = {
        let e = other_crate::logaddexp(a, b);
        ((a - e).exp(), (b - e).exp())
    };
}

#[macrograd::differentiable]
fn gauss_cdf(x: f64, mu: f64, #[nograd] sigma: f64) -> f64 {
    0.5 * (1.0 + erf((x - mu) / (sigma * std::f64::consts::SQRT_2)))
}

#[macrograd::differentiable]
fn soft_max3(x: f32, y: f32, z: f32) -> f32 {
    logaddexp(logaddexp(x, y), z)
}

#[test]
fn derivative_macro_gives_external_functions_a_derivative() {
    let sigma = 1.5;
    for (x, mu) in [(0.3, -0.4), (1.2, 0.5), (-0.8, 0.1)] {
        let (v, (gx, gmu)) = gauss_cdf_grad(x, mu, sigma);
        assert_all_close(&[v], &[gauss_cdf(x, mu, sigma)], TOL_64, "value");
        // ∂/∂x = φ((x − μ)/σ)/σ, the normal density; ∂/∂μ = −∂/∂x
        let z: f64 = (x - mu) / sigma;
        let pdf = (-z * z / 2.0).exp() / (sigma * (2.0 * std::f64::consts::PI).sqrt());
        assert_all_close(&[gx, gmu], &[pdf, -pdf], TOL_64, "closed form");
        let fd = numeric_grad(|p| gauss_cdf(p[0], p[1], sigma), &[x, mu]);
        assert_all_close(&[gx, gmu], &fd, TOL_FD, "differences");
    }
    assert_eq!(erf_grad(0.0), (0.0, 2.0 / std::f64::consts::PI.sqrt()));

    // f32, two parameters: the gradient of log(eˣ + eʸ + eᶻ) is the softmax
    let (x, y, z) = (0.5f32, -1.0f32, 2.0f32);
    let (_, (a, b, c)) = soft_max3_grad(x, y, z);
    let s = [x, y, z].map(|v| (v as f64).exp());
    let total: f64 = s.iter().sum();
    let want: Vec<f64> = s.iter().map(|e| e / total).collect();
    assert_all_close(
        &[a as f64, b as f64, c as f64],
        &want,
        TOL_32,
        "f32 closed form",
    );
    let fd = numeric_grad_f32(|p| soft_max3(p[0], p[1], p[2]), &[x, y, z]);
    let fd: Vec<f64> = fd.iter().map(|&d| d as f64).collect();
    assert_all_close(
        &[a as f64, b as f64, c as f64],
        &fd,
        TOL_FD_32,
        "f32 differences",
    );
}

macro_rules! tuple_corpus {
    ($F:ident) => {
        use macrograd::differentiable;

        /// A differentiable tuple parameter and a `#[nograd]` one.
        #[differentiable]
        pub fn tuple_params(p: ($F, $F), w: $F, #[nograd] c: ($F, $F, $F)) -> $F {
            let (a, b) = p;
            c.0 * a * b + c.1 * p.1 * w + c.2 * w.sin()
        }

        /// Passes the `#[nograd]` tuple on whole.
        #[differentiable]
        pub fn passes_tuple(x: $F, #[nograd] c: ($F, $F, $F)) -> $F {
            tuple_params((x, x * x), x, c)
        }
    };
}

mod t64 {
    tuple_corpus!(f64);
}

mod t32 {
    tuple_corpus!(f32);
}

#[test]
fn tuple_parameters_get_tuple_gradients() {
    // f = c0 a b + c1 b w + c2 sin w
    // ∂f/∂a = c0 b, ∂f/∂b = c0 a + c1 w, ∂f/∂w = c1 b + c2 cos w
    let c = (1.5, -0.5, 2.0);
    for (a, b, w) in [(0.3, -1.2, 0.7), (2.0, 0.5, -1.1)] {
        let what = format!("tuple_params at ({a}, {b}, {w})");
        let (v, ((ga, gb), gw)) = t64::tuple_params_grad((a, b), w, c);
        assert_all_close(&[v], &[t64::tuple_params((a, b), w, c)], TOL_64, &what);
        let closed = [c.0 * b, c.0 * a + c.1 * w, c.1 * b + c.2 * f64::cos(w)];
        assert_all_close(&[ga, gb, gw], &closed, TOL_64, &what);
        let fd = numeric_grad(|p| t64::tuple_params((p[0], p[1]), p[2], c), &[a, b, w]);
        assert_all_close(&[ga, gb, gw], &fd, TOL_FD, &what);
        let c32 = (c.0 as f32, c.1 as f32, c.2 as f32);
        let (_, ((a32, b32), w32)) = t32::tuple_params_grad((a as f32, b as f32), w as f32, c32);
        let got32 = [a32 as f64, b32 as f64, w32 as f64];
        assert_all_close(&got32, &closed, TOL_32, &what);
        let fd32 = numeric_grad_f32(
            |p| t32::tuple_params((p[0], p[1]), p[2], c32),
            &[a as f32, b as f32, w as f32],
        );
        let fd32: Vec<f64> = fd32.iter().map(|&d| d as f64).collect();
        assert_all_close(&got32, &fd32, TOL_FD_32, &what);
    }
    // through a call: f(x) = c0 x³ + c1 x³ + c2 sin x
    let x = 0.8;
    let (_, g) = t64::passes_tuple_grad(x, c);
    let closed = 3.0 * (c.0 + c.1) * x * x + c.2 * f64::cos(x);
    assert_all_close(&[g], &[closed], TOL_64, "passes_tuple");
    let fd = numeric_grad(|p| t64::passes_tuple(p[0], c), &[x]);
    assert_all_close(&[g], &fd, TOL_FD, "passes_tuple differences");
}

/// A differentiable slice of rows: its gradient is a `Vec` of rows.
#[macrograd::differentiable]
fn row_energy(rows: &[[f64; 2]], w: [f64; 2]) -> f64 {
    let mut s = 0.0;
    for r in rows {
        s += (w[0] * r[0] + w[1] * r[1]).sin();
    }
    s
}

#[test]
fn slices_of_rows_get_row_gradients() {
    let rows = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]];
    let w = [0.3, -0.6];
    let (_, (g_rows, g_w)): (f64, (Vec<[f64; 2]>, [f64; 2])) = row_energy_grad(&rows, w);
    // ∂/∂rows[i][j] = cos(w·rows[i]) w[j], ∂/∂w[j] = Σ cos(w·rows[i]) rows[i][j]
    let c: Vec<f64> = rows
        .iter()
        .map(|r| (w[0] * r[0] + w[1] * r[1]).cos())
        .collect();
    let want_rows: Vec<f64> = c.iter().flat_map(|c| [c * w[0], c * w[1]]).collect();
    let got_rows: Vec<f64> = g_rows.iter().flatten().copied().collect();
    assert_all_close(&got_rows, &want_rows, TOL_64, "rows");
    let want_w = [0, 1].map(|j| c.iter().zip(&rows).map(|(c, r)| c * r[j]).sum::<f64>());
    assert_all_close(&g_w, &want_w, TOL_64, "w");
    let flat: Vec<f64> = rows.iter().flatten().copied().chain(w).collect();
    let fd = numeric_grad(
        |p| {
            let rs: Vec<[f64; 2]> = p[..6].chunks(2).map(|c| [c[0], c[1]]).collect();
            row_energy(&rs, [p[6], p[7]])
        },
        &flat,
    );
    let got: Vec<f64> = got_rows.iter().copied().chain(g_w).collect();
    assert_all_close(&got, &fd, TOL_FD, "differences");
}

#[test]
fn reference_parameters_are_passed_on_as_references() {
    let (x, w, k) = (0.7, [1.0, -2.0, 0.5], 1.5);
    let (v, (gx, gw)) = c64::forwards_refs_grad(&x, &w, &k);
    let (v1, (gx1, gw1)) = c64::by_ref_grad(&x, &w, &k);
    assert_all_close(
        &[v, gx, gw[0], gw[1], gw[2]],
        &[
            2.0 * v1,
            2.0 * gx1,
            2.0 * gw1[0],
            2.0 * gw1[1],
            2.0 * gw1[2],
        ],
        TOL_64,
        "forwarded",
    );
    let fd = numeric_grad(
        |p| c64::forwards_refs(&p[0], &[p[1], p[2], p[3]], &k),
        &[x, w[0], w[1], w[2]],
    );
    assert_all_close(&[gx, gw[0], gw[1], gw[2]], &fd, TOL_FD, "differences");
}
