//! Activation functions that `#[differentiable]` bodies may call as free functions.
//!
//! Each function here is also known to the code generator, which writes its
//! derivative inline; calling them from ordinary code works too. All are
//! generic over [`Real`] (implemented for `f32` and `f64`).
//!
//! Derivatives at kinks follow PyTorch: `relu'(0) = 0`, `leaky_relu'(0) = slope`.
//! A NaN argument gives a NaN value from every function here, as in PyTorch
//! (`relu(NaN)` is NaN, not 0), so a diverging model is never masked.

/// The floating-point types macrograd differentiates: `f32` and `f64`.
///
/// Sealed: the code generator knows exactly these two.
pub trait Real: Copy + PartialOrd + core::ops::Neg<Output = Self> + private::Sealed {
    /// `0.0`
    const ZERO: Self;
    /// `1.0`
    const ONE: Self;
    /// `e^self`
    fn exp(self) -> Self;
    /// `ln(1 + self)`, accurate near 0
    fn ln_1p(self) -> Self;
    /// natural logarithm
    fn ln(self) -> Self;
    /// hyperbolic tangent
    fn tanh(self) -> Self;
    /// converts an `f64` constant, rounding for `f32`
    fn from_f64(x: f64) -> Self;
    /// `self + other`
    fn add(self, other: Self) -> Self;
    /// `self * other`
    fn mul(self, other: Self) -> Self;
    /// `self / other`
    fn div(self, other: Self) -> Self;
}

mod private {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

macro_rules! impl_real {
    ($t:ty) => {
        impl Real for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            fn ln_1p(self) -> Self {
                <$t>::ln_1p(self)
            }
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            fn add(self, other: Self) -> Self {
                self + other
            }
            fn mul(self, other: Self) -> Self {
                self * other
            }
            fn div(self, other: Self) -> Self {
                self / other
            }
        }
    };
}
impl_real!(f32);
impl_real!(f64);

/// Rectified linear unit, `max(x, 0)`; NaN stays NaN, as in PyTorch.
///
/// Derivative: `1` for `x > 0`, else `0` (so `relu'(0) = 0`, as PyTorch).
///
/// ```
/// assert_eq!(macrograd_runtime::ops::relu(-2.0_f64), 0.0);
/// assert_eq!(macrograd_runtime::ops::relu(3.0_f32), 3.0);
/// assert!(macrograd_runtime::ops::relu(f64::NAN).is_nan());
/// ```
pub fn relu<T: Real>(x: T) -> T {
    // Test for the negative side: every comparison with NaN is false, so
    // NaN falls through to the `x` branch instead of being hidden as 0.
    if x <= T::ZERO {
        T::ZERO
    } else {
        x
    }
}

/// Leaky ReLU: `x` for `x > 0`, else `slope·x` (PyTorch's default slope is `0.01`).
///
/// Derivative in `x`: `1` for `x > 0`, else `slope`.
pub fn leaky_relu<T: Real>(x: T, slope: T) -> T {
    if x > T::ZERO {
        x
    } else {
        slope.mul(x)
    }
}

/// Logistic sigmoid `1 / (1 + e^(-x))`, computed without overflow.
///
/// Derivative: `σ(x)·(1 − σ(x))`.
pub fn sigmoid<T: Real>(x: T) -> T {
    if x >= T::ZERO {
        T::ONE.div(T::ONE.add((-x).exp()))
    } else {
        let e = x.exp();
        e.div(T::ONE.add(e))
    }
}

/// Softplus `ln(1 + e^x)`, computed without overflow.
///
/// Derivative: `σ(x)`.
pub fn softplus<T: Real>(x: T) -> T {
    // ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|)
    let neg_abs = if x > T::ZERO { -x } else { x };
    relu(x).add(neg_abs.exp().ln_1p())
}

/// SiLU (swish) `x·σ(x)`.
///
/// Derivative: `σ(x)·(1 + x·(1 − σ(x)))`.
pub fn silu<T: Real>(x: T) -> T {
    x.mul(sigmoid(x))
}

/// GELU, tanh approximation (PyTorch's `gelu(x, approximate="tanh")`):
/// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
///
/// Derivative: `0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)` with
/// `t = tanh(√(2/π)·(x + 0.044715·x³))`.
pub fn gelu<T: Real>(x: T) -> T {
    let half = T::from_f64(0.5);
    x.mul(half).mul(T::ONE.add(gelu_inner(x).tanh()))
}

/// The derivative of [`gelu`]; generated backward passes call it.
pub fn gelu_derivative<T: Real>(x: T) -> T {
    let half = T::from_f64(0.5);
    let t = gelu_inner(x).tanh();
    let dinner = T::from_f64(GELU_K).mul(T::ONE.add(T::from_f64(3.0 * GELU_C).mul(x.mul(x))));
    half.mul(T::ONE.add(t))
        .add(half.mul(x).mul(T::ONE.add(-t.mul(t))).mul(dinner))
}

/// `√(2/π)`
const GELU_K: f64 = 0.797_884_560_802_865_4;
/// the cubic coefficient of the tanh approximation
const GELU_C: f64 = 0.044_715;

fn gelu_inner<T: Real>(x: T) -> T {
    let x3 = x.mul(x).mul(x);
    T::from_f64(GELU_K).mul(x.add(T::from_f64(GELU_C).mul(x3)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_is_stable_and_symmetric() {
        assert_eq!(sigmoid(1000.0_f64), 1.0);
        assert_eq!(sigmoid(-1000.0_f64), 0.0);
        let x = 0.7_f64;
        assert!((sigmoid(x) + sigmoid(-x) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn softplus_matches_definition_and_does_not_overflow() {
        for x in [-3.0_f64, -0.5, 0.0, 0.5, 3.0] {
            assert!((softplus(x) - (1.0 + x.exp()).ln()).abs() < 1e-14);
        }
        assert_eq!(softplus(1000.0_f64), 1000.0);
    }

    #[test]
    fn gelu_derivative_matches_central_difference() {
        for x in [-2.0_f64, -0.3, 0.0, 0.4, 1.7] {
            let h = 1e-6;
            let fd = (gelu(x + h) - gelu(x - h)) / (2.0 * h);
            assert!((fd - gelu_derivative(x)).abs() < 1e-8, "x = {x}");
        }
    }

    #[test]
    fn nan_propagates_through_every_op() {
        // PyTorch: relu(nan) = nan, and so for every activation.
        type Unary = fn(f64) -> f64;
        let unary: [(&str, Unary); 6] = [
            ("relu", relu),
            ("sigmoid", sigmoid),
            ("softplus", softplus),
            ("silu", silu),
            ("gelu", gelu),
            ("gelu_derivative", gelu_derivative),
        ];
        for (name, f) in unary {
            assert!(f(f64::NAN).is_nan(), "{name}(NaN) = {}", f(f64::NAN));
        }
        assert!(relu(f32::NAN).is_nan());
        assert!(leaky_relu(f64::NAN, 0.01).is_nan());
        assert!(leaky_relu(f32::NAN, 0.01).is_nan());
        // a NaN slope reaches only the negative side, as in PyTorch
        assert!(leaky_relu(-1.0_f64, f64::NAN).is_nan());
        assert_eq!(leaky_relu(2.0_f64, f64::NAN), 2.0);
    }

    #[test]
    fn relu_keeps_its_values_away_from_nan() {
        assert_eq!(relu(f64::INFINITY), f64::INFINITY);
        assert_eq!(relu(f64::NEG_INFINITY), 0.0);
        // −0 maps to +0, as before
        assert!(relu(-0.0_f64).is_sign_positive());
        assert_eq!(relu(f64::MIN_POSITIVE), f64::MIN_POSITIVE);
    }
}
