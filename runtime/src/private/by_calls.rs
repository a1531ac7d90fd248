//! The unit directions and matrix writes of a `name_jacobian` or
//! `name_hessian` built from `name_jvp`/`name_vjp`/`name_hvp` calls (a
//! function passing a struct on whole, whose matrix covers every float of
//! the struct in `Differentiable::for_each_float` order).

/// A unit direction of a `name_jacobian` built from `name_jvp`/`name_vjp`
/// sweeps: zero, except the float `j - offset` (in the order of
/// [`Differentiable::for_each_float`]) one, when `offset <= j < offset +
/// D::FLOATS`.
///
/// [`Differentiable::for_each_float`]: crate::Differentiable::for_each_float
#[inline(always)]
pub fn unit_at<D: crate::Differentiable>(j: usize, offset: usize) -> D {
    let mut d = D::zero();
    if let Some(k) = j.checked_sub(offset).filter(|&k| k < D::FLOATS) {
        let mut i = 0;
        d.for_each_float_mut(&mut |x| {
            if i == k {
                *x = <D::Float as crate::Real>::ONE;
            }
            i += 1;
        });
    }
    d
}

/// The largest number of entries a Hessian built from `name_hvp` calls
/// may have (the macro's own limit on the elements of a value).
pub const MAX_HESSIAN_ENTRIES: usize = 1_000_000;

/// A zero `N × N` matrix for a `name_hessian` built from `name_hvp` calls
/// (a function passing a struct parameter on whole, whose `N` counts every
/// float of the struct: a constant the macro cannot evaluate). Checked at
/// compile time: `N × N` at most [`MAX_HESSIAN_ENTRIES`].
#[inline(always)]
pub fn hessian_matrix<F: crate::Float, const N: usize>() -> [[F; N]; N] {
    const {
        assert!(
            N <= 1000 && N * N <= MAX_HESSIAN_ENTRIES,
            "the Hessian would have more than 1000000 entries (N × N, N the floats of the differentiable parameters): remove `hessian` and use `name_hvp` products (`#[differentiable(hvp)]`)"
        )
    };
    [[F::default(); N]; N]
}

/// `row[offset + k] = ` float `k` of `d`: one part of a Jacobian's row
/// (a gradient entry from a reverse sweep).
#[inline(always)]
pub fn write_row<D: crate::Differentiable>(d: &D, row: &mut [D::Float], offset: usize) {
    let mut i = offset;
    d.for_each_float(&mut |x| {
        row[i] = x;
        i += 1;
    });
}

/// `jacobian[offset + k][j] = ` float `k` of `d`: one part of a
/// Jacobian's column `j` (a result's tangent from a forward sweep).
#[inline(always)]
pub fn write_column<D: crate::Differentiable, const N: usize>(
    d: &D,
    jacobian: &mut [[D::Float; N]],
    offset: usize,
    j: usize,
) {
    let mut i = offset;
    d.for_each_float(&mut |x| {
        jacobian[i][j] = x;
        i += 1;
    });
}
