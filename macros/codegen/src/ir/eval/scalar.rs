//! The numbers the interpreter computes with ([`Scalar`]) and their `f64`
//! instance; the tests add a dual number.

use std::fmt::Debug;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// A number the interpreter can compute with; method names follow `f64`.
#[allow(missing_docs)]
pub trait Scalar:
    Copy
    + Debug
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// A constant (with derivative zero for dual numbers).
    fn from_f64(x: f64) -> Self;
    /// The plain value (the primal part of a dual number).
    fn value(self) -> f64;
    fn sqrt(self) -> Self;
    fn cbrt(self) -> Self;
    fn exp(self) -> Self;
    fn exp2(self) -> Self;
    fn exp_m1(self) -> Self;
    fn ln(self) -> Self;
    fn ln_1p(self) -> Self;
    fn log(self, base: Self) -> Self;
    fn log2(self) -> Self;
    fn log10(self) -> Self;
    fn sin(self) -> Self;
    fn cos(self) -> Self;
    fn tan(self) -> Self;
    fn asin(self) -> Self;
    fn acos(self) -> Self;
    fn atan(self) -> Self;
    fn atan2(self, other: Self) -> Self;
    fn sinh(self) -> Self;
    fn cosh(self) -> Self;
    fn tanh(self) -> Self;
    fn asinh(self) -> Self;
    fn acosh(self) -> Self;
    fn atanh(self) -> Self;
    fn abs(self) -> Self;
    fn signum(self) -> Self;
    fn max(self, other: Self) -> Self;
    fn min(self, other: Self) -> Self;
    fn hypot(self, other: Self) -> Self;
    fn mul_add(self, a: Self, b: Self) -> Self;
    fn recip(self) -> Self;
    fn clamp(self, lo: Self, hi: Self) -> Self;
    fn powf(self, n: Self) -> Self;
    fn powi(self, n: i32) -> Self;
    fn relu(self) -> Self;
    fn leaky_relu(self, slope: Self) -> Self;
    fn sigmoid(self) -> Self;
    fn softplus(self) -> Self;
    fn silu(self) -> Self;
    fn gelu(self) -> Self;
    fn gelu_derivative(self) -> Self;
}

/// `√(2/π)`, of the tanh approximation of GELU.
const GELU_K: f64 = 0.797_884_560_802_865_4;
/// The cubic coefficient of the tanh approximation of GELU.
const GELU_C: f64 = 0.044_715;

macro_rules! forward_to_f64 {
    ($($m:ident($($a:ident),*)),* $(,)?) => {
        $(fn $m(self $(, $a: Self)*) -> Self { f64::$m(self $(, $a)*) })*
    };
}

impl Scalar for f64 {
    fn from_f64(x: f64) -> Self {
        x
    }
    fn value(self) -> f64 {
        self
    }
    forward_to_f64!(
        sqrt(),
        cbrt(),
        exp(),
        exp2(),
        exp_m1(),
        ln(),
        ln_1p(),
        log(base),
        log2(),
        log10(),
        sin(),
        cos(),
        tan(),
        asin(),
        acos(),
        atan(),
        atan2(other),
        sinh(),
        cosh(),
        tanh(),
        asinh(),
        acosh(),
        atanh(),
        abs(),
        signum(),
        max(other),
        min(other),
        hypot(other),
        mul_add(a, b),
        recip(),
        powf(n),
    );
    fn clamp(self, lo: Self, hi: Self) -> Self {
        // `f64::clamp` panics when lo > hi; the interpreter must not.
        self.max(lo).min(hi)
    }
    fn powi(self, n: i32) -> Self {
        f64::powi(self, n)
    }
    fn relu(self) -> Self {
        // As `macrograd::ops::relu`: NaN fails `<= 0` and stays NaN.
        if self <= 0.0 {
            0.0
        } else {
            self
        }
    }
    fn leaky_relu(self, slope: Self) -> Self {
        if self > 0.0 {
            self
        } else {
            slope * self
        }
    }
    fn sigmoid(self) -> Self {
        if self >= 0.0 {
            1.0 / (1.0 + (-self).exp())
        } else {
            let e = self.exp();
            e / (1.0 + e)
        }
    }
    fn softplus(self) -> Self {
        self.relu() + (-self.abs()).exp().ln_1p()
    }
    fn silu(self) -> Self {
        self * self.sigmoid()
    }
    fn gelu(self) -> Self {
        0.5 * self * (1.0 + (GELU_K * (self + GELU_C * self.powi(3))).tanh())
    }
    fn gelu_derivative(self) -> Self {
        let t = (GELU_K * (self + GELU_C * self.powi(3))).tanh();
        0.5 * (1.0 + t) + 0.5 * self * (1.0 - t * t) * GELU_K * (1.0 + 3.0 * GELU_C * self * self)
    }
}
