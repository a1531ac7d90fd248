//! [`Float`]: the arithmetic the runtime needs from `f32` and `f64`.
//!
//! It extends [`crate::ops::Real`] (the two types the code generator knows)
//! with operators, `sqrt`, conversions and the little-endian byte encoding
//! checkpoints use.

use crate::ops::Real;
use crate::params::Params;
use core::fmt::{Debug, Display};
use core::ops::{Add, AddAssign, Div, Mul, MulAssign, Sub, SubAssign};

/// `f32` or `f64`, with what optimizers, data and checkpoints need.
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
    /// Neither NaN nor infinite.
    fn is_finite(self) -> bool;
    /// Widening (or identity) conversion to `f64`.
    fn to_f64(self) -> f64;
    /// Appends the little-endian bytes of `self` to `out`.
    fn write_le(self, out: &mut Vec<u8>);
    /// Reads a value from exactly [`Float::BYTES`] little-endian bytes.
    fn read_le(bytes: &[u8]) -> Self;
}

macro_rules! impl_float {
    ($t:ident, $dtype:literal) => {
        impl Float for $t {
            const DTYPE: &'static str = $dtype;
            const BYTES: usize = core::mem::size_of::<$t>();
            fn sqrt(self) -> Self {
                $t::sqrt(self)
            }
            fn abs(self) -> Self {
                $t::abs(self)
            }
            fn max(self, other: Self) -> Self {
                $t::max(self, other)
            }
            fn min(self, other: Self) -> Self {
                $t::min(self, other)
            }
            fn powi(self, n: i32) -> Self {
                $t::powi(self, n)
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
