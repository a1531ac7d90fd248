//! Every operation `#[differentiable]` knows, in f64 and f32: the generated gradient
//! against the derivative written here from calculus (independently of the
//! rules table) and against central finite differences, at five or more
//! points away from kinks; then the conventions at kinks, against PyTorch's.
//!
//! Each row of `op_tests!` writes, for both float types, `f` (the op alone),
//! `scaled` (the op times a `#[nograd]` factor, so every rule also runs
//! with an incoming adjoint other than 1) and the same body as a
//! `grad!` closure (which must agree with `f_grad` bit for bit), and two
//! tests.

mod common;

use common::{
    assert_all_close, central_diff, central_diff_f32, numeric_grad, numeric_grad_f32, Flat,
};

/// f64 gradient vs the closed form: a few ulps of reassociation apart.
const TOL_CLOSED: f64 = 1e-12;
/// f64 gradient vs the fourth-order central difference.
const TOL_FD: f64 = 1e-7;
/// f32 gradient vs the closed form / finite differences of the f64 twin,
/// both evaluated at the same (f32-representable) point.
const TOL_32: f64 = 2e-5;
/// The `#[nograd]` factor of `scaled` (exact in f32).
const K: f64 = -1.75;

/// logistic function, for the closed forms
fn sigma(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// d/dx of 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³):
/// 0.5·(1 + tanh u) + 0.5·x·sech²(u)·√(2/π)·(1 + 3·0.044715·x²).
fn gelu_tanh_prime(x: f64) -> f64 {
    let k = (2.0 / std::f64::consts::PI).sqrt();
    let u = k * (x + 0.044715 * x.powi(3));
    let sech2 = 1.0 / u.cosh().powi(2);
    0.5 * (1.0 + u.tanh()) + 0.5 * x * sech2 * k * (1.0 + 3.0 * 0.044715 * x * x)
}

fn step(cond: bool) -> f64 {
    if cond {
        1.0
    } else {
        0.0
    }
}

// Evaluation points, each at least 0.1 from any kink, pole or domain edge.
const ANY: &[&[f64]] = &[&[-2.3], &[-0.7], &[0.4], &[1.1], &[2.9]];
const POSITIVE: &[&[f64]] = &[&[0.3], &[0.8], &[1.5], &[2.7], &[6.2]];
const CBRT: &[&[f64]] = &[&[-3.1], &[-0.6], &[0.45], &[1.9], &[8.5]];
const EXP: &[&[f64]] = &[&[-3.0], &[-0.8], &[0.2], &[1.3], &[2.6]];
const LN1P: &[&[f64]] = &[&[-0.6], &[-0.2], &[0.3], &[1.4], &[5.0]];
const UNIT: &[&[f64]] = &[&[-0.8], &[-0.35], &[0.1], &[0.5], &[0.85]];
const ACOSH: &[&[f64]] = &[&[1.2], &[1.6], &[2.5], &[4.0], &[9.3]];
const TAN: &[&[f64]] = &[&[-1.2], &[-0.5], &[0.2], &[0.9], &[1.3], &[2.5]];
const ACT: &[&[f64]] = &[&[-4.0], &[-1.2], &[-0.1], &[0.6], &[2.5], &[6.0]];
const CLAMP_CONST: &[&[f64]] = &[&[-2.5], &[-0.5], &[0.7], &[1.9], &[3.4]];
const PAIRS: &[&[f64]] = &[
    &[-1.5, 2.0],
    &[0.3, -0.7],
    &[2.2, 1.1],
    &[-3.0, -0.4],
    &[0.9, 5.0],
];
const DIV: &[&[f64]] = &[
    &[1.5, 2.0],
    &[-0.3, 0.7],
    &[2.2, -1.1],
    &[-3.0, -0.4],
    &[0.9, 5.0],
];
const POWF: &[&[f64]] = &[
    &[0.5, 2.3],
    &[1.7, -1.2],
    &[2.4, 0.5],
    &[0.9, 3.0],
    &[3.1, -0.4],
];
const LOG: &[&[f64]] = &[
    &[2.0, 3.0],
    &[0.5, 10.0],
    &[7.3, 2.0],
    &[1.6, 0.4],
    &[0.2, 5.5],
];
const ATAN2: &[&[f64]] = &[
    &[1.0, 2.0],
    &[1.5, -0.5],
    &[-0.7, -1.2],
    &[-2.0, 0.3],
    &[0.4, 3.5],
];
const HYPOT: &[&[f64]] = &[
    &[3.0, 4.0],
    &[-1.2, 0.5],
    &[0.3, -2.2],
    &[-4.0, -1.0],
    &[0.8, 0.1],
];
const MAXMIN: &[&[f64]] = &[
    &[1.0, 2.0],
    &[2.5, -1.0],
    &[-0.3, -0.2],
    &[-3.0, 1.5],
    &[0.7, 0.1],
];
const LEAKY: &[&[f64]] = &[
    &[-2.0, 0.01],
    &[-0.5, 0.2],
    &[0.3, 0.1],
    &[1.8, 0.05],
    &[4.0, 0.3],
];
const TRIPLES: &[&[f64]] = &[
    &[1.0, 2.0, 3.0],
    &[-0.5, 1.5, -2.0],
    &[2.3, -0.7, 0.1],
    &[-1.1, -1.9, 4.0],
    &[0.2, 3.3, -0.6],
];
/// `(x, lo, hi)`: below, inside and above the interval.
const CLAMP: &[&[f64]] = &[
    &[-2.0, -1.0, 1.0],
    &[0.3, -1.0, 1.0],
    &[1.7, -1.0, 1.0],
    &[0.5, 0.2, 2.5],
    &[-0.4, -0.9, -0.1],
    &[3.0, 0.0, 2.0],
];

macro_rules! op_tests {
    // The functions of one row, in float type `$t`, with the row's own
    // parameter names (this also checks that `#[differentiable]` and `grad!`
    // resolve names coming from the caller of a `macro_rules!`, next to
    // names written in the macro such as `factor`).
    (@fns $t:ident; ($($p:ident),+) { $($body:tt)* }) => {
        op_tests!(@imports);
        #[differentiable]
        pub fn f($($p: $t),+) -> $t {
            $($body)*
        }
        #[differentiable]
        pub fn scaled($($p: $t,)+ #[nograd] factor: $t) -> $t {
            factor * ($($body)*)
        }
        /// The same body through `grad!`.
        pub fn closure($($p: $t),+) -> ($t, impl crate::common::Flat) {
            let g = macrograd::grad!(|$($p: $t),+| $($body)*);
            g($($p),+)
        }
    };
    (@imports) => {
        #[allow(unused_imports)]
        use macrograd::ops::{self, leaky_relu, relu};
        use macrograd::differentiable;
    };
    ($(
        $name:ident ($($p:ident),+) { $($body:tt)* } => [$($closed:expr),+ $(,)?] at $points:expr;
    )*) => {$(
        mod $name {
            use super::*;

            // `#[differentiable]` items written through a local `macro_rules!` get
            // dead-code warnings for the pullbacks no test calls.
            #[allow(dead_code)]
            mod in_f64 {
                op_tests!(@fns f64; ($($p),+) { $($body)* });
            }
            #[allow(dead_code)]
            mod in_f32 {
                op_tests!(@fns f32; ($($p),+) { $($body)* });
            }

            /// The derivative, written from calculus.
            #[allow(unused_variables)]
            fn closed($($p: f64),+) -> Vec<f64> {
                vec![$($closed),+]
            }

            fn f_twin(v: &[f64]) -> f64 {
                let &[$($p),+] = v else { unreachable!() };
                in_f64::f($($p),+)
            }

            #[test]
            fn f64_matches_closed_form_and_finite_differences() {
                let points: &[&[f64]] = $points;
                assert!(points.len() >= 5);
                for &pt in points {
                    let &[$($p),+] = pt else { unreachable!() };
                    let (value, grad) = in_f64::f_grad($($p),+);
                    assert_eq!(value, in_f64::f($($p),+), "value at {pt:?}");
                    let (c_value, c_grad) = in_f64::closure($($p),+);
                    assert_eq!((c_value, c_grad.flat()), (value, grad.flat()), "grad! at {pt:?}");
                    let grad = grad.flat();
                    assert_all_close(&grad, &closed($($p),+), TOL_CLOSED, &format!("closed form at {pt:?}"));
                    assert_all_close(&grad, &numeric_grad(f_twin, pt), TOL_FD, &format!("finite differences at {pt:?}"));

                    let (value, grad) = in_f64::scaled_grad($($p,)+ K);
                    assert_eq!(value, in_f64::scaled($($p,)+ K), "scaled value at {pt:?}");
                    let want: Vec<f64> = closed($($p),+).iter().map(|g| K * g).collect();
                    assert_all_close(&grad.flat(), &want, TOL_CLOSED, &format!("scaled closed form at {pt:?}"));
                }
            }

            #[test]
            fn f32_matches_closed_form_and_finite_differences() {
                let points: &[&[f64]] = $points;
                for &pt in points {
                    let pt32: Vec<f32> = pt.iter().map(|&x| x as f32).collect();
                    let pt64: Vec<f64> = pt32.iter().map(|&x| f64::from(x)).collect();
                    let want = {
                        let &[$($p),+] = &pt64[..] else { unreachable!() };
                        closed($($p),+)
                    };
                    let &[$($p),+] = &pt32[..] else { unreachable!() };
                    let (value, grad) = in_f32::f_grad($($p),+);
                    assert_eq!(value, in_f32::f($($p),+), "value at {pt32:?}");
                    let (c_value, c_grad) = in_f32::closure($($p),+);
                    assert_eq!((c_value, c_grad.flat()), (value, grad.flat()), "grad! at {pt32:?}");
                    let grad = grad.flat();
                    assert_all_close(&grad, &want, TOL_32, &format!("closed form at {pt32:?}"));
                    assert_all_close(&grad, &numeric_grad(f_twin, &pt64), TOL_32, &format!("finite differences of the f64 twin at {pt32:?}"));

                    let (value, grad) = in_f32::scaled_grad($($p,)+ K as f32);
                    assert_eq!(value, in_f32::scaled($($p,)+ K as f32), "scaled value at {pt32:?}");
                    let want: Vec<f64> = want.iter().map(|g| K * g).collect();
                    assert_all_close(&grad.flat(), &want, TOL_32, &format!("scaled closed form at {pt32:?}"));
                }
            }
        }
    )*};
}

op_tests! {
    add(a, b) { a + b } => [1.0, 1.0] at PAIRS;
    sub(a, b) { a - b } => [1.0, -1.0] at PAIRS;
    mul(a, b) { a * b } => [b, a] at PAIRS;
    div(a, b) { a / b } => [1.0 / b, -a / (b * b)] at DIV;
    neg(x) { -x } => [-1.0] at ANY;
    powi_3(x) { x.powi(3) } => [3.0 * x * x] at ANY;
    powi_neg_2(x) { x.powi(-2) } => [-2.0 / (x * x * x)] at ANY;
    powi_1(x) { x.powi(1) } => [1.0] at ANY;
    powi_0(x) { x.powi(0) } => [0.0] at ANY;
    powf_const(x) { x.powf(2.5) } => [2.5 * x * x.sqrt()] at POSITIVE;
    powf_const_negative(x) { x.powf(-0.5) } => [-0.5 / (x * x.sqrt())] at POSITIVE;
    powf_variable(a, b) { a.powf(b) } => [b * a.powf(b - 1.0), a.powf(b) * a.ln()] at POWF;
    sqrt(x) { x.sqrt() } => [0.5 / x.sqrt()] at POSITIVE;
    // (x^(1/3))' = 1/(3·x^(2/3)) = 1/(3·|x|^(2/3)), for either sign of x
    cbrt(x) { x.cbrt() } => [1.0 / (3.0 * x.abs().powf(2.0 / 3.0))] at CBRT;
    exp(x) { x.exp() } => [x.exp()] at EXP;
    // 2^x = e^(x·ln 2)
    exp2(x) { x.exp2() } => [(x * 2f64.ln()).exp() * 2f64.ln()] at EXP;
    exp_m1(x) { x.exp_m1() } => [x.exp()] at EXP;
    ln(x) { x.ln() } => [1.0 / x] at POSITIVE;
    ln_1p(x) { x.ln_1p() } => [1.0 / (1.0 + x)] at LN1P;
    // log_b(a) = ln a / ln b
    log_variable_base(a, b) { a.log(b) } => [1.0 / (a * b.ln()), -a.ln() / (b * b.ln().powi(2))] at LOG;
    log_const_base(x) { x.log(3.0) } => [1.0 / (x * 3f64.ln())] at POSITIVE;
    log2(x) { x.log2() } => [1.0 / (x * 2f64.ln())] at POSITIVE;
    log10(x) { x.log10() } => [1.0 / (x * 10f64.ln())] at POSITIVE;
    sin(x) { x.sin() } => [x.cos()] at ANY;
    cos(x) { x.cos() } => [-x.sin()] at ANY;
    tan(x) { x.tan() } => [1.0 / x.cos().powi(2)] at TAN;
    asin(x) { x.asin() } => [1.0 / (1.0 - x * x).sqrt()] at UNIT;
    acos(x) { x.acos() } => [-1.0 / (1.0 - x * x).sqrt()] at UNIT;
    atan(x) { x.atan() } => [1.0 / (1.0 + x * x)] at ANY;
    // atan2(y, x) is the angle of (x, y): ∂y = x/r², ∂x = −y/r²
    atan2(y, x) { y.atan2(x) } => [x / (x * x + y * y), -y / (x * x + y * y)] at ATAN2;
    sinh(x) { x.sinh() } => [x.cosh()] at ANY;
    cosh(x) { x.cosh() } => [x.sinh()] at ANY;
    tanh(x) { x.tanh() } => [1.0 / x.cosh().powi(2)] at ANY;
    asinh(x) { x.asinh() } => [1.0 / (x * x + 1.0).sqrt()] at ANY;
    acosh(x) { x.acosh() } => [1.0 / (x * x - 1.0).sqrt()] at ACOSH;
    atanh(x) { x.atanh() } => [1.0 / (1.0 - x * x)] at UNIT;
    abs(x) { x.abs() } => [if x > 0.0 { 1.0 } else { -1.0 }] at ANY;
    signum(x) { x.signum() } => [0.0] at ANY;
    // sign(x)·x² = x·|x|, whose derivative is 2|x|
    signum_product(x) { x.signum() * x.powi(2) } => [2.0 * x.abs()] at ANY;
    max(a, b) { a.max(b) } => [step(a > b), step(b > a)] at MAXMIN;
    min(a, b) { a.min(b) } => [step(a < b), step(b < a)] at MAXMIN;
    max_const(x) { x.max(0.5) } => [step(x > 0.5)] at ANY;
    min_const(x) { x.min(0.5) } => [step(x < 0.5)] at ANY;
    hypot(a, b) { a.hypot(b) } => [a / (a * a + b * b).sqrt(), b / (a * a + b * b).sqrt()] at HYPOT;
    mul_add(a, b, c) { a.mul_add(b, c) } => [b, a, 1.0] at TRIPLES;
    recip(x) { x.recip() } => [-1.0 / (x * x)] at ANY;
    clamp(x, lo, hi) { x.clamp(lo, hi) } => [step(lo < x && x < hi), step(x < lo), step(x > hi)] at CLAMP;
    clamp_const(x) { x.clamp(-1.0, 2.0) } => [step(-1.0 < x && x < 2.0)] at CLAMP_CONST;
    relu(x) { relu(x) } => [step(x > 0.0)] at ANY;
    sigmoid(x) { ops::sigmoid(x) } => [sigma(x) * (1.0 - sigma(x))] at ACT;
    // softplus = ln(1 + eˣ), derivative eˣ/(1 + eˣ) = σ(x)
    softplus(x) { macrograd::ops::softplus(x) } => [sigma(x)] at ACT;
    // leaky_relu(x, s) = x for x > 0, s·x otherwise
    leaky_relu(x, s) { leaky_relu(x, s) } => [if x > 0.0 { 1.0 } else { s }, if x > 0.0 { 0.0 } else { x }] at LEAKY;
    leaky_relu_const_slope(x) { leaky_relu(x, 0.01) } => [if x > 0.0 { 1.0 } else { 0.01 }] at ANY;
    gelu(x) { macrograd::ops::gelu(x) } => [gelu_tanh_prime(x)] at ACT;
    // silu = x·σ(x): σ + x·σ·(1 − σ)
    silu(x) { ops::silu(x) } => [sigma(x) + x * sigma(x) * (1.0 - sigma(x))] at ACT;
}

#[path = "test_ops/saturation.rs"]
mod saturation;

/// Derivatives at kinks, each against PyTorch's convention (its
/// `derivatives.yaml` / `FunctionsManual.cpp` formulas, quoted per test), in
/// both float types. These values are exact, so they are compared exactly.
macro_rules! kink_tests {
    ($modname:ident, $t:ident) => {
        // only the generated `_grad` functions are called
        #[allow(dead_code)]
        mod $modname {
            use macrograd::differentiable;
            use macrograd::ops::{leaky_relu, relu};

            #[differentiable]
            fn relu_f(x: $t) -> $t {
                relu(x)
            }
            #[differentiable]
            fn abs_f(x: $t) -> $t {
                x.abs()
            }
            #[differentiable]
            fn signum_f(x: $t) -> $t {
                x.signum()
            }
            #[differentiable]
            fn max_f(a: $t, b: $t) -> $t {
                a.max(b)
            }
            #[differentiable]
            fn min_f(a: $t, b: $t) -> $t {
                a.min(b)
            }
            #[differentiable]
            fn max_scaled(a: $t, b: $t) -> $t {
                3.0 * a.max(b)
            }
            #[differentiable]
            fn max_zero(x: $t) -> $t {
                x.max(0.0)
            }
            #[differentiable]
            fn clamp_f(x: $t, lo: $t, hi: $t) -> $t {
                x.clamp(lo, hi)
            }
            #[differentiable]
            fn clamp_const(x: $t) -> $t {
                x.clamp(-1.0, 2.0)
            }
            #[differentiable]
            fn leaky_f(x: $t, s: $t) -> $t {
                leaky_relu(x, s)
            }
            #[differentiable]
            fn powf_f(a: $t, b: $t) -> $t {
                a.powf(b)
            }

            /// PyTorch: `threshold_backward(grad, self, 0)` passes `grad` where
            /// `self > 0`, so relu'(0) = 0.
            #[test]
            fn relu_at_zero_is_zero() {
                assert_eq!(relu_f_grad(0.0), (0.0, 0.0));
                assert_eq!(relu_f_grad(1e-30).1, 1.0);
                assert_eq!(relu_f_grad(-1e-30).1, 0.0);
            }

            /// PyTorch: `abs` backward is `grad * self.sgn()`, and sgn(0) = 0.
            #[test]
            fn abs_at_zero_is_zero() {
                assert_eq!(abs_f_grad(0.0), (0.0, 0.0));
                assert_eq!(abs_f_grad(-0.0).1, 0.0);
                assert_eq!(abs_f_grad(1e-30).1, 1.0);
                assert_eq!(abs_f_grad(-1e-30).1, -1.0);
            }

            /// PyTorch: `sign` backward is `zeros_like(grad)`, at 0 too.
            #[test]
            fn signum_is_flat_at_zero() {
                assert_eq!(signum_f_grad(0.0).1, 0.0);
                assert_eq!(signum_f_grad(-2.0).1, 0.0);
            }

            /// PyTorch `maximum`/`minimum`: `at::where(self == other, grad / 2,
            /// grad).masked_fill_(self < other, 0)` (resp. `self > other`): a
            /// tie splits the gradient in halves.
            #[test]
            fn max_min_ties_split_evenly() {
                for v in [-1.5, 0.0, 2.25] {
                    assert_eq!(max_f_grad(v, v), (v, (0.5, 0.5)), "max at {v}");
                    assert_eq!(min_f_grad(v, v), (v, (0.5, 0.5)), "min at {v}");
                    assert_eq!(max_scaled_grad(v, v).1, (1.5, 1.5), "3·max at {v}");
                }
                // `x.max(0.0)` is `maximum`, not `relu`: its tie at 0 splits
                assert_eq!(max_zero_grad(0.0), (0.0, 0.5));
                assert_eq!(max_zero_grad(-0.5).1, 0.0);
                // and no split off the tie
                assert_eq!(max_f_grad(1.0, 1.0 + <$t>::EPSILON).1, (0.0, 1.0));
                assert_eq!(min_f_grad(1.0, 1.0 + <$t>::EPSILON).1, (1.0, 0.0));
            }

            /// PyTorch `clamp_backward`: `grad` where `self >= min && self <= max`
            /// (inclusive at both bounds); `clamp_backward_min_max`: `min` gets
            /// `grad` where `self < min`, `max` where `self > max`.
            #[test]
            fn clamp_passes_gradient_inclusive_at_bounds() {
                assert_eq!(clamp_f_grad(-1.0, -1.0, 2.0), (-1.0, (1.0, 0.0, 0.0)));
                assert_eq!(clamp_f_grad(2.0, -1.0, 2.0), (2.0, (1.0, 0.0, 0.0)));
                assert_eq!(clamp_f_grad(-1.5, -1.0, 2.0).1, (0.0, 1.0, 0.0));
                assert_eq!(clamp_f_grad(2.5, -1.0, 2.0).1, (0.0, 0.0, 1.0));
                // a collapsed interval: x = lo = hi still passes to x
                assert_eq!(clamp_f_grad(1.0, 1.0, 1.0), (1.0, (1.0, 0.0, 0.0)));
                assert_eq!(clamp_const_grad(-1.0), (-1.0, 1.0));
                assert_eq!(clamp_const_grad(2.0), (2.0, 1.0));
                assert_eq!(clamp_const_grad(-1.0 - 1e-3).1, 0.0);
                assert_eq!(clamp_const_grad(2.0 + 1e-3).1, 0.0);
            }

            /// PyTorch `leaky_relu_backward`: `self > 0 ? grad : grad * negval`,
            /// so the derivative at 0 is the slope.
            #[test]
            fn leaky_relu_at_zero_is_the_slope() {
                assert_eq!(leaky_f_grad(0.0, 0.1).1 .0, 0.1);
                // the slope's own derivative is x, 0 at x = 0
                assert_eq!(leaky_f_grad(0.0, 0.1).1 .1, 0.0);
            }

            /// PyTorch `pow_backward_exponent`: the exponent's gradient is masked
            /// to 0 where `self == 0 && exponent >= 0` (instead of 0·ln 0 = NaN).
            #[test]
            fn powf_exponent_gradient_at_zero_base_is_zero() {
                let (v, (da, db)) = powf_f_grad(0.0, 2.0);
                assert_eq!((v, da, db), (0.0, 0.0, 0.0));
                let (_, (da, db)) = powf_f_grad(0.0, 1.0);
                assert_eq!((da, db), (1.0, 0.0));
            }

            /// PyTorch `pow_backward_self`: `at::where(exponent == 0.0, 0,
            /// grad * exponent * self.pow(exponent - 1))`: a zero exponent
            /// gives the base a zero gradient, also at base 0 (where the
            /// formula alone would be 0·0⁻¹ = NaN).
            #[test]
            fn powf_base_gradient_for_zero_exponent_is_zero() {
                let (v, (da, db)) = powf_f_grad(0.0, 0.0);
                assert_eq!(v, 1.0);
                assert_eq!(da, 0.0);
                assert_eq!(db, 0.0);
            }
        }
    };
}

kink_tests!(kinks_f64, f64);
kink_tests!(kinks_f32, f32);

/// The helpers of `common`, on functions with known derivatives, and
/// `assert_close!` failing when it should.
mod helpers {
    use super::*;

    #[test]
    fn central_diff_is_accurate_on_known_derivatives() {
        for x in [-2.0_f64, -0.3, 0.0, 0.7, 5.0] {
            assert_close!(central_diff(f64::sin, x), x.cos(), 1e-10, "x = {x}");
        }
        // the step grows with |x|, which suits functions whose scale does
        for x in [-40.0_f64, -0.3, 0.0, 0.7, 120.0] {
            assert_close!(
                central_diff(|t| t * t * t, x),
                3.0 * x * x,
                1e-10,
                "x = {x}"
            );
            assert_close!(
                central_diff(f64::ln, x.abs() + 0.5),
                1.0 / (x.abs() + 0.5),
                1e-10,
                "x = {x}"
            );
        }
        for x in [-2.0_f32, -0.3, 0.0, 0.7, 5.0] {
            assert_close!(
                central_diff_f32(f32::sin, x),
                f64::from(x).cos(),
                1e-3,
                "x = {x}"
            );
        }
    }

    #[test]
    fn numeric_grad_handles_each_coordinate() {
        let g = numeric_grad(|v| v[0] * v[1] + v[1].exp(), &[2.0, 0.5]);
        assert_all_close(&g, &[0.5, 2.0 + 0.5_f64.exp()], 1e-10, "grad");
        let g = numeric_grad_f32(|v| v[0] * v[1], &[2.0, 0.5]);
        assert_close!(g[0], 0.5, 1e-3);
        assert_close!(g[1], 2.0, 1e-3);
    }

    #[test]
    #[should_panic(expected = "assert_close failed")]
    fn assert_close_fails_outside_tolerance() {
        assert_close!(1.0 + 1e-6, 1.0, 1e-8);
    }

    #[test]
    #[should_panic(expected = "assert_close failed")]
    fn assert_close_fails_on_nan() {
        assert_close!(f64::NAN, 1.0, 1e-3);
    }

    #[test]
    fn assert_close_is_relative_for_large_values() {
        assert_close!(1.0e6 + 0.5, 1.0e6, 1e-6);
        assert_close!(1e-9, 0.0, 1e-8);
    }
}

/// `x.powi(i32::MIN)`: the derivative n·x^(n−1) has n − 1 outside `i32`
/// (the macro panicked with a subtraction overflow, and a release build of
/// it wrote a wrong derivative).
mod powi_of_i32_min {
    use macrograd::differentiable;

    #[differentiable]
    fn f64_min(x: f64) -> f64 {
        x.powi(-2147483648)
    }

    #[differentiable]
    fn f32_min(x: f32) -> f32 {
        x.powi(-2147483648)
    }

    #[test]
    fn derivative_is_n_times_x_to_the_n_minus_1() {
        let n = f64::from(i32::MIN);
        // at ±1 exactly: x^(n−1) = ±1 (n − 1 is odd)
        assert_eq!(f64_min_grad(1.0), (1.0, n));
        assert_eq!(f64_min_grad(-1.0), (1.0, -n));
        assert_eq!(f32_min_grad(1.0), (1.0, n as f32));
        assert_eq!(f32_min_grad(-1.0), (1.0, -n as f32));
        // near 1, where x^n is finite: against the closed form
        let x = 1.0 + 1e-12;
        let (v, d) = f64_min_grad(x);
        let want = n * x.powf(n - 1.0);
        assert_eq!(v, x.powi(i32::MIN));
        // (powi by repeated squaring is itself only about 1e-11 accurate
        // at this exponent, as is the function's value)
        assert!((d - want).abs() <= 1e-9 * want.abs(), "{d} vs {want}");
    }
}
