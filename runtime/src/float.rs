//! [`Float`]: the arithmetic the runtime needs from `f32` and `f64`.
//!
//! It extends [`crate::ops::Real`] (the two types the code generator knows)
//! with operators, the elementary functions of `f64`'s inherent methods
//! (every method `#[differentiable]` has a derivative rule for, so a body
//! generic over `T: Float` may call any of them), conversions and the
//! little-endian byte encoding checkpoints use. It is sealed: `f32` and
//! `f64` are its only implementations.

use crate::ops::Real;
use crate::params::Params;
use core::fmt::{Debug, Display};
use core::ops::{Add, AddAssign, Div, Mul, MulAssign, Sub, SubAssign};

/// `f32` or `f64`, with what optimizers, data and checkpoints need, and
/// the methods a generic differentiable body calls (`sin`, `powf`, `atan2`,
/// … — each forwards to the inherent method of the same name).
///
/// Every `Float` is also a one-element parameter tree that is its own
/// gradient, so generic code (and derived impls) need only `T: Float`.
pub trait Float:
    Real
    + Params<Scalar = Self, Gradient = Self>
    + Debug
    + Display
    + Default
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
{
    /// Name of the type as safetensors and NumPy spell it: `F32` or `F64`.
    const DTYPE: &'static str;
    /// Size in bytes.
    const BYTES: usize;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// The larger of two values (NaN-ignoring, as `f64::max`).
    fn max(self, other: Self) -> Self;
    /// The smaller of two values (NaN-ignoring, as `f64::min`).
    fn min(self, other: Self) -> Self;
    /// `self` raised to an integer power.
    fn powi(self, n: i32) -> Self;
    /// Cube root.
    fn cbrt(self) -> Self;
    /// `2^self`.
    fn exp2(self) -> Self;
    /// `e^self − 1`, accurate near 0.
    fn exp_m1(self) -> Self;
    /// Base-2 logarithm.
    fn log2(self) -> Self;
    /// Base-10 logarithm.
    fn log10(self) -> Self;
    /// Sine (radians).
    fn sin(self) -> Self;
    /// Cosine (radians).
    fn cos(self) -> Self;
    /// Tangent (radians).
    fn tan(self) -> Self;
    /// Arcsine, in radians.
    fn asin(self) -> Self;
    /// Arccosine, in radians.
    fn acos(self) -> Self;
    /// Arctangent, in radians.
    fn atan(self) -> Self;
    /// Hyperbolic sine.
    fn sinh(self) -> Self;
    /// Hyperbolic cosine.
    fn cosh(self) -> Self;
    /// Inverse hyperbolic sine.
    fn asinh(self) -> Self;
    /// Inverse hyperbolic cosine.
    fn acosh(self) -> Self;
    /// Inverse hyperbolic tangent.
    fn atanh(self) -> Self;
    /// `1` for positive (and `+0`), `−1` for negative (and `−0`), NaN for NaN, as `f64::signum`.
    fn signum(self) -> Self;
    /// `1 / self`.
    fn recip(self) -> Self;
    /// `self` raised to a float power.
    fn powf(self, n: Self) -> Self;
    /// Logarithm to `base`.
    fn log(self, base: Self) -> Self;
    /// Four-quadrant arctangent of `self` (y) and `other` (x), in radians.
    fn atan2(self, other: Self) -> Self;
    /// `√(self² + other²)` without overflow or underflow on the way.
    fn hypot(self, other: Self) -> Self;
    /// `self · a + b`, with one rounding where the target has a fused multiply-add.
    fn mul_add(self, a: Self, b: Self) -> Self;
    /// `self` restricted to `[min, max]` (panics if `min > max` or either is NaN, as `f64::clamp`).
    fn clamp(self, min: Self, max: Self) -> Self;
    /// `(self.sin(), self.cos())`.
    fn sin_cos(self) -> (Self, Self);
    /// Neither NaN nor infinite.
    fn is_finite(self) -> bool;
    /// Widening (or identity) conversion to `f64`.
    fn to_f64(self) -> f64;
    /// Appends the little-endian bytes of `self` to `out`.
    fn write_le(self, out: &mut Vec<u8>);
    /// Reads a value from exactly [`Float::BYTES`] little-endian bytes.
    fn read_le(bytes: &[u8]) -> Self;
}

/// The methods of [`Float`] that forward to the inherent method of the
/// same name, by arity.
macro_rules! forward {
    ($t:ident; unary: $($u:ident),*; binary: $($b:ident),*; ternary: $($c:ident),*) => {
        $(fn $u(self) -> Self {
            $t::$u(self)
        })*
        $(fn $b(self, other: Self) -> Self {
            $t::$b(self, other)
        })*
        $(fn $c(self, a: Self, b: Self) -> Self {
            $t::$c(self, a, b)
        })*
    };
}

macro_rules! impl_float {
    ($t:ident, $dtype:literal) => {
        impl Float for $t {
            const DTYPE: &'static str = $dtype;
            const BYTES: usize = core::mem::size_of::<$t>();
            forward!($t; unary: sqrt, abs, cbrt, exp2, exp_m1, log2, log10, sin, cos, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, signum, recip; binary: max, min, powf, log, atan2, hypot; ternary: mul_add, clamp);
            fn powi(self, n: i32) -> Self {
                $t::powi(self, n)
            }
            fn sin_cos(self) -> (Self, Self) {
                $t::sin_cos(self)
            }
            fn is_finite(self) -> bool {
                $t::is_finite(self)
            }
            fn to_f64(self) -> f64 {
                f64::from(self)
            }
            fn write_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn read_le(bytes: &[u8]) -> Self {
                let mut buf = [0u8; core::mem::size_of::<$t>()];
                buf.copy_from_slice(bytes);
                $t::from_le_bytes(buf)
            }
        }
    };
}
impl_float!(f32, "F32");
impl_float!(f64, "F64");
