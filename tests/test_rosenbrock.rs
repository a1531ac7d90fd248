//! The extended Rosenbrock function in n = 100 dimensions (an array
//! parameter and a `for` loop over `x[i]`, `x[i + 1]`), the gradient of
//! `#[differentiable]` against the closed form, in f64 and f32:
//!
//! f(x) = Σᵢ₌₀^{n−2} 100·(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²
//!
//! ∂f/∂xⱼ = −400·xⱼ·(xⱼ₊₁ − xⱼ²) − 2·(1 − xⱼ)   [j < n − 1]
//!        + 200·(xⱼ − xⱼ₋₁²)                    [j > 0]
//!
//! The same function over a slice of run-time length, whose gradient adds
//! into `d_x[i]` and `d_x[i + 1]` in each iteration (the second term is
//! carried to the next iteration in a register), is checked the same way
//! for every length from 1 (a loop that never runs) up, and a stencil over
//! an inclusive range `from..=to` whose loop may not run at all.
//!
//! Generic over the float (`<T: Float>`): the two-variable form, the array
//! and the slice forms, monomorphised for f32 and f64, against the closed
//! forms, central differences and a concrete f64 twin; then every
//! elementary method of the rules table in a generic body (`sin`, `powf`,
//! `atan2`, `sin_cos`, …, through `macrograd::Float`), against concrete
//! twins in f64 (bit for bit) and f32, and central differences.

mod common;

use common::{assert_all_close, numeric_grad};
use macrograd::{differentiable, Float};

const N: usize = 100;

#[differentiable]
fn rosenbrock_slice(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

/// `Σ_{i=from}^{to} (x[i + 1] − x[i])³` over an inclusive range.
#[differentiable]
fn cubed_steps(x: &[f64], from: usize, to: usize) -> f64 {
    let mut s = 0.0;
    for i in from..=to {
        s += (x[i + 1] - x[i]).powi(3);
    }
    s
}

#[differentiable]
fn rosenbrock(x: [f64; 100]) -> f64 {
    let mut s = 0.0;
    for i in 0..99 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

#[differentiable]
fn rosenbrock_f32(x: [f32; 100]) -> f32 {
    let mut s = 0.0;
    for i in 0..99 {
        s += 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2);
    }
    s
}

fn closed_value(x: &[f64]) -> f64 {
    (0..x.len() - 1)
        .map(|i| 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2))
        .sum()
}

fn closed_gradient(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    (0..n)
        .map(|j| {
            let mut g = 0.0;
            if j < n - 1 {
                g += -400.0 * x[j] * (x[j + 1] - x[j] * x[j]) - 2.0 * (1.0 - x[j]);
            }
            if j > 0 {
                g += 200.0 * (x[j] - x[j - 1] * x[j - 1]);
            }
            g
        })
        .collect()
}

/// Deterministic, varied points: a standard start (−1.2, 1, −1.2, 1, …), a
/// smooth wave, and one near the minimum; all multiples of 1/64, so f32
/// and f64 see the same inputs.
fn points() -> Vec<[f64; N]> {
    let start: [f64; N] = std::array::from_fn(|i| if i % 2 == 0 { -1.2 } else { 1.0 });
    let start = start.map(|v| (v * 64.0_f64).round() / 64.0);
    let wave: [f64; N] = std::array::from_fn(|i| ((i as f64 * 0.37).sin() * 96.0).round() / 64.0);
    let near: [f64; N] = std::array::from_fn(|i| 1.0 + (((i % 7) as f64) - 3.0) / 64.0);
    vec![start, wave, near]
}

#[test]
fn gradient_matches_closed_form_f64() {
    for x in points() {
        let (value, grad) = rosenbrock_grad(x);
        assert_eq!(value, rosenbrock(x));
        assert_close!(value, closed_value(&x), 1e-13);
        assert_all_close(&grad, &closed_gradient(&x), 1e-12, "∇f");
    }
}

#[test]
fn gradient_matches_finite_differences_f64() {
    let x = points()[1];
    let (_, grad) = rosenbrock_grad(x);
    let fd = numeric_grad(|v| rosenbrock(v.try_into().expect("100 values")), &x);
    assert_all_close(&grad, &fd, 1e-7, "∇f vs finite differences");
}

#[test]
fn minimum_has_zero_gradient() {
    assert_eq!(rosenbrock_grad([1.0; N]), (0.0, [0.0; N]));
    assert_eq!(rosenbrock_f32_grad([1.0; N]), (0.0, [0.0; N]));
}

#[test]
fn gradient_matches_closed_form_f32() {
    for x in points() {
        let x32 = x.map(|v| v as f32);
        let (value, grad) = rosenbrock_f32_grad(x32);
        assert_eq!(value, rosenbrock_f32(x32));
        assert_close!(value, closed_value(&x), 1e-5);
        let grad: Vec<f64> = grad.iter().map(|&g| f64::from(g)).collect();
        assert_all_close(&grad, &closed_gradient(&x), 1e-5, "∇f in f32");
    }
}

#[test]
fn slice_gradient_matches_closed_form_at_every_length() {
    let wave: Vec<f64> = (0..40).map(|i| (i as f64 * 0.37).sin() * 1.5).collect();
    for n in 1..wave.len() {
        let x = &wave[..n];
        let (value, grad) = rosenbrock_slice_grad(x);
        assert_close!(value, closed_value(x), 1e-12);
        assert_all_close(&grad, &closed_gradient(x), 1e-12, "∇f over a slice");
        // the buffer form adds into what is there
        let mut d = vec![1.0; n];
        rosenbrock_slice_grad_into(x, &mut d);
        let shifted: Vec<f64> = closed_gradient(x).iter().map(|g| g + 1.0).collect();
        assert_all_close(&d, &shifted, 1e-12, "∇f added into ones");
    }
}

#[test]
fn inclusive_stencil_matches_differences_and_may_not_run() {
    let x: Vec<f64> = (0..8).map(|i| (i as f64 * 0.9).cos()).collect();
    for (from, to) in [(0, 6), (2, 4), (3, 3), (5, 4)] {
        let (value, grad) = cubed_steps_grad(&x, from, to);
        let expected: f64 = (from..=to).map(|i| (x[i + 1] - x[i]).powi(3)).sum();
        assert_close!(value, expected, 1e-14);
        let fd = numeric_grad(|v| cubed_steps(v, from, to), &x);
        assert_all_close(&grad, &fd, 1e-7, "stencil gradient vs finite differences");
        if from > to {
            assert!(
                grad.iter().all(|&g| g == 0.0),
                "a loop that never runs: {grad:?}"
            );
        }
    }
}

/// f(x, y) = (1 − x)² + 100·(y − x²)², generic over the float type.
#[differentiable]
fn rosenbrock2<T: Float>(x: T, y: T) -> T {
    let a = T::ONE - x;
    let b = y - x * x;
    a * a + T::from_f64(100.0) * b * b
}

/// The concrete f64 twin of [`rosenbrock2`].
#[differentiable]
fn rosenbrock2_f64(x: f64, y: f64) -> f64 {
    let a = 1.0 - x;
    let b = y - x * x;
    a * a + 100.0 * b * b
}

/// The n-dimensional form over `[T; 100]`.
#[differentiable]
fn rosenbrock_generic<T: Float>(x: [T; 100]) -> T {
    let mut s = T::ZERO;
    for i in 0..99 {
        s += T::from_f64(100.0) * (x[i + 1] - x[i] * x[i]).powi(2) + (T::ONE - x[i]).powi(2);
    }
    s
}

/// The slice form, with a `#[nograd]` weight of type `T`.
#[differentiable]
fn rosenbrock_slice_generic<T: Float>(x: &[T], #[nograd] w: T) -> T {
    let mut s = T::ZERO;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = T::ONE - x[i];
        s += w * a * a + b * b;
    }
    s
}

fn closed2(x: f64, y: f64) -> (f64, [f64; 2]) {
    let v = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
    let dx = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
    let dy = 200.0 * (y - x * x);
    (v, [dx, dy])
}

#[test]
fn generic_two_variable_form_matches_closed_form_and_twin() {
    for (x, y) in [(-1.25, 1.0), (0.5, -0.75), (1.0, 1.0), (2.0, 3.5)] {
        let (v, (dx, dy)) = rosenbrock2_grad::<f64>(x, y);
        let (cv, [cdx, cdy]) = closed2(x, y);
        assert_close!(v, cv, 1e-13);
        assert_all_close(&[dx, dy], &[cdx, cdy], 1e-12, "generic f64 vs closed form");
        let fdx = common::central_diff(|t| rosenbrock2(t, y), x);
        let fdy = common::central_diff(|t| rosenbrock2(x, t), y);
        assert_all_close(
            &[dx, dy],
            &[fdx, fdy],
            1e-6,
            "generic f64 vs central differences",
        );
        // the generic instance is the concrete function, bit for bit
        assert_eq!(rosenbrock2_grad::<f64>(x, y), rosenbrock2_f64_grad(x, y));
        let (v32, (dx32, dy32)) = rosenbrock2_grad::<f32>(x as f32, y as f32);
        assert_close!(f64::from(v32), cv, 1e-5);
        assert_all_close(
            &[f64::from(dx32), f64::from(dy32)],
            &[cdx, cdy],
            1e-5,
            "generic f32 vs closed form",
        );
        let fdx = common::central_diff_f32(|t| rosenbrock2(t, y as f32), x as f32);
        let fdy = common::central_diff_f32(|t| rosenbrock2(x as f32, t), y as f32);
        assert_all_close(
            &[f64::from(dx32), f64::from(dy32)],
            &[f64::from(fdx), f64::from(fdy)],
            2e-2,
            "generic f32 vs central differences",
        );
    }
}

#[test]
fn generic_array_form_matches_concrete_in_both_precisions() {
    for x in points() {
        let (v, g) = rosenbrock_generic_grad(x);
        assert_eq!((v, g), rosenbrock_grad(x));
        assert_all_close(&g, &closed_gradient(&x), 1e-12, "generic ∇f in f64");
        let x32 = x.map(|v| v as f32);
        let (v32, g32) = rosenbrock_generic_grad(x32);
        assert_eq!(v32, rosenbrock_generic(x32));
        assert_close!(f64::from(v32), closed_value(&x), 1e-5);
        let g32: Vec<f64> = g32.iter().map(|&g| f64::from(g)).collect();
        assert_all_close(&g32, &closed_gradient(&x), 1e-5, "generic ∇f in f32");
    }
    let x = points()[1];
    let fd = numeric_grad(
        |v| rosenbrock_generic::<f64>(v.try_into().expect("100 values")),
        &x,
    );
    assert_all_close(
        &rosenbrock_generic_grad(x).1,
        &fd,
        1e-7,
        "generic ∇f vs differences",
    );
}

#[test]
fn generic_slice_form_matches_closed_form() {
    let wave: Vec<f64> = (0..12).map(|i| (i as f64 * 0.37).sin() * 1.5).collect();
    let (v, g) = rosenbrock_slice_generic_grad(&wave, 100.0);
    assert_close!(v, closed_value(&wave), 1e-12);
    assert_all_close(
        &g,
        &closed_gradient(&wave),
        1e-12,
        "generic ∇f over a slice",
    );
    let w32: Vec<f32> = wave.iter().map(|&v| v as f32).collect();
    let (v32, g32) = rosenbrock_slice_generic_grad(&w32, 100.0_f32);
    let exact32: Vec<f64> = w32.iter().map(|&v| f64::from(v)).collect();
    assert_close!(f64::from(v32), closed_value(&exact32), 1e-4);
    let g32: Vec<f64> = g32.iter().map(|&g| f64::from(g)).collect();
    assert_all_close(
        &g32,
        &closed_gradient(&exact32),
        1e-4,
        "generic ∇f over an f32 slice",
    );
}

/// A concrete function calling the generic one: its pullback is inferred
/// at `T = f64`.
#[differentiable]
fn twice_rosenbrock2(x: f64, y: f64) -> f64 {
    2.0 * rosenbrock2(x, y)
}

#[test]
fn concrete_caller_of_a_generic_function() {
    for (x, y) in [(-1.25, 1.0), (0.5, -0.75)] {
        let (v, (dx, dy)) = twice_rosenbrock2_grad(x, y);
        let (cv, [cdx, cdy]) = closed2(x, y);
        assert_close!(v, 2.0 * cv, 1e-13);
        assert_all_close(
            &[dx, dy],
            &[2.0 * cdx, 2.0 * cdy],
            1e-12,
            "2·∇f through a call",
        );
    }
}

/// For each row, `op::generic` (over `T: Float`), `op::c64` and `op::c32`
/// from one body, and the points (both coordinates) it is checked at, each
/// at least 0.1 from a kink, pole or domain edge.
macro_rules! generic_twins {
    ($($op:ident($x:ident, $y:ident) $body:block at $pts:expr;)*) => {
        $(
            mod $op {
                pub mod generic {
                    use macrograd::{differentiable, Float};
                    #[differentiable]
                    pub fn f<T: Float>($x: T, $y: T) -> T $body
                }
                pub mod c64 {
                    use macrograd::differentiable;
                    #[differentiable]
                    pub fn f($x: f64, $y: f64) -> f64 $body
                }
                pub mod c32 {
                    use macrograd::differentiable;
                    #[differentiable]
                    pub fn f($x: f32, $y: f32) -> f32 $body
                }
            }
        )*

        #[test]
        fn generic_methods_match_concrete_twins_and_differences() {
            $(
                for &(x, y) in $pts {
                    let what = format!("{} at ({x}, {y})", stringify!($op));
                    let (v, (dx, dy)) = $op::generic::f_grad::<f64>(x, y);
                    // the f64 instance is the concrete function, bit for bit
                    assert_eq!((v, (dx, dy)), $op::c64::f_grad(x, y), "{what}");
                    assert_eq!(v, $op::c64::f(x, y), "{what}");
                    let fdx = common::central_diff(|t| $op::generic::f(t, y), x);
                    let fdy = common::central_diff(|t| $op::generic::f(x, t), y);
                    assert_all_close(&[dx, dy], &[fdx, fdy], 1e-7, &what);
                    let (x32, y32) = (x as f32, y as f32);
                    let (v32, (dx32, dy32)) = $op::generic::f_grad::<f32>(x32, y32);
                    let (cv32, (cdx32, cdy32)) = $op::c32::f_grad(x32, y32);
                    assert_eq!(v32, cv32, "{what}, f32 value");
                    // the generic f32 instance folds constants in f64 before
                    // rounding them once: a few f32 ulps from the twin
                    assert_all_close(
                        &[f64::from(dx32), f64::from(dy32)],
                        &[f64::from(cdx32), f64::from(cdy32)],
                        1e-6,
                        &format!("{what}, generic f32 vs concrete f32"),
                    );
                    assert_all_close(
                        &[f64::from(dx32), f64::from(dy32)],
                        &[fdx, fdy],
                        2e-5 * (1.0 + v.abs()),
                        &format!("{what}, f32 vs f64 differences"),
                    );
                }
            )*
        }
    };
}

generic_twins! {
    trig(x, y) { x.sin() * y.cos() + x.tan() - y.sin_cos().0 * x.sin_cos().1 }
        at &[(0.3, -1.2), (-0.7, 2.1), (1.1, 0.4)];
    inverse_trig(x, y) { x.asin() * y + x.acos() * x + y.atan() + x.atan2(y) }
        at &[(0.3, -1.2), (-0.7, 2.1), (0.55, 0.4)];
    hyperbolic(x, y) { x.sinh() * y.cosh() + (x * y).tanh() }
        at &[(0.3, -1.2), (-0.7, 1.1), (1.1, 0.4)];
    inverse_hyperbolic(x, y) { x.asinh() + y.acosh() * x + (x / y).atanh() }
        at &[(0.3, 1.2), (-0.7, 2.1), (1.1, 3.4)];
    exponentials(x, y) { x.exp() * y + y.exp2() - x.exp_m1() * x.ln_1p() }
        at &[(0.3, -1.2), (-0.4, 2.1), (1.1, 0.4)];
    logarithms(x, y) { x.ln() * y + y.log2() + x.log10() * x + x.log(y) }
        at &[(0.3, 1.7), (2.4, 2.1), (1.6, 0.4)];
    roots_and_powers(x, y) { x.sqrt() * y + y.cbrt() + x.powi(3) * y.powi(-2) + x.powf(y) }
        at &[(0.3, 1.7), (2.4, -2.1), (1.6, 0.4)];
    piecewise(x, y) { x.abs() * y + x.max(y) * x - x.min(y) + x.signum() * y }
        at &[(0.3, 1.7), (-2.4, -2.1), (1.6, 0.4)];
    fused(x, y) { x.mul_add(y, x) + y.recip() + x.hypot(y) + x.clamp(-y.abs(), y.abs()) }
        at &[(0.3, 1.7), (-2.4, -2.1), (1.6, 0.4)];
}
