//! Matrix products for batched layers, through `matrixmultiply`.
//!
//! The only `unsafe` in macrograd: matrixmultiply's kernels take raw
//! pointers and strides. [`Gemm::gemm_raw`] checks that every index the product can
//! touch lies inside the given slices before it calls them, so the safe
//! signature cannot be used to read or write out of bounds.
#![allow(unsafe_code)]

use crate::float::Float;

/// A matrix view: a slice with row and column strides (in elements).
#[derive(Clone, Copy, Debug)]
pub struct Strides {
    /// Distance between rows.
    pub row: usize,
    /// Distance between columns.
    pub col: usize,
}

impl Strides {
    /// A row-major matrix with `cols` columns.
    pub fn row_major(cols: usize) -> Self {
        Strides { row: cols, col: 1 }
    }

    /// The transpose of a row-major matrix with `cols` columns.
    pub fn transposed(cols: usize) -> Self {
        Strides { row: 1, col: cols }
    }

    /// One past the largest index an `rows × cols` view touches.
    fn extent(self, rows: usize, cols: usize) -> usize {
        if rows == 0 || cols == 0 {
            0
        } else {
            (rows - 1) * self.row + (cols - 1) * self.col + 1
        }
    }
}

/// `f32` and `f64` products.
pub trait Gemm: Float {
    /// `c ← alpha·a·b + beta·c` with `a: m×k`, `b: k×n`, `c: m×n`.
    #[allow(clippy::too_many_arguments)]
    fn gemm_raw(
        m: usize,
        k: usize,
        n: usize,
        alpha: Self,
        a: &[Self],
        sa: Strides,
        b: &[Self],
        sb: Strides,
        beta: Self,
        c: &mut [Self],
        sc: Strides,
    );
}

macro_rules! impl_gemm {
    ($t:ty, $f:ident) => {
        impl Gemm for $t {
            fn gemm_raw(
                m: usize,
                k: usize,
                n: usize,
                alpha: Self,
                a: &[Self],
                sa: Strides,
                b: &[Self],
                sb: Strides,
                beta: Self,
                c: &mut [Self],
                sc: Strides,
            ) {
                assert!(
                    sa.extent(m, k) <= a.len(),
                    "gemm: `a` is too short for {m}×{k}"
                );
                assert!(
                    sb.extent(k, n) <= b.len(),
                    "gemm: `b` is too short for {k}×{n}"
                );
                assert!(
                    sc.extent(m, n) <= c.len(),
                    "gemm: `c` is too short for {m}×{n}"
                );
                // distinct (i, j) must be distinct elements of `c`
                let distinct = (sc.col >= 1 && sc.row >= n * sc.col)
                    || (sc.row >= 1 && sc.col >= m * sc.row)
                    || m * n <= 1;
                assert!(distinct, "gemm: `c`'s strides make elements overlap");
                let s = |x: usize| isize::try_from(x).expect("strides fit in isize");
                // SAFETY: the asserts above keep every element the kernel
                // reads (a, b) or writes (c) inside its slice; `c` is borrowed
                // mutably, so it cannot alias `a` or `b`.
                unsafe {
                    matrixmultiply::$f(
                        m,
                        k,
                        n,
                        alpha,
                        a.as_ptr(),
                        s(sa.row),
                        s(sa.col),
                        b.as_ptr(),
                        s(sb.row),
                        s(sb.col),
                        beta,
                        c.as_mut_ptr(),
                        s(sc.row),
                        s(sc.col),
                    );
                }
            }
        }
    };
}
impl_gemm!(f32, sgemm);
impl_gemm!(f64, dgemm);
