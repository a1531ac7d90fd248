//! `det`: the determinant by expansion by minors along the first row (from
//! cmpad), and its gradient (the cofactor matrix).
//!
//! The recursion is walked with an explicit stack, depth `r` standing for
//! the minor of rows `r..ell` and the columns still free. Per depth the
//! stack keeps `at[r]`, the column row `r` expands along now (−1 before
//! its first), and `pre[r]`, the product of the signed entries chosen in
//! the rows above; `free[c]` is 1 while column `c` is unused. A 4×4 minor
//! is expanded by [`det4`] and [`det3`], the same expansion written out.
//!
//! The stack's integers are kept as floats (`at[r]` is a column number,
//! `free[c]` a flag) because a `#[differentiable]` body's local buffers
//! hold floats only: `vec![0usize; n]` is refused ("integer literal used
//! as a float"). A column is found by scanning the columns and comparing.
//! Matrices below 4×4 are expanded before the loop instead of returned
//! early: an early `return` ahead of a `loop` that carries an integer
//! (`r`) is refused ("the branches of this `if` give `r` different types").

use macrograd::differentiable;
use serde_json::Value;

use crate::protocol::{floats, Evaluated, Runner};

/// A 3×3 determinant (row-major) by expansion along its first row.
#[differentiable]
pub fn det3(m: [f64; 9]) -> f64 {
    m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
        + m[2] * (m[3] * m[7] - m[4] * m[6])
}

/// A 4×4 determinant (row-major) by expansion along its first row.
#[differentiable]
pub fn det4(m: [f64; 16]) -> f64 {
    m[0] * det3([m[5], m[6], m[7], m[9], m[10], m[11], m[13], m[14], m[15]])
        - m[1] * det3([m[4], m[6], m[7], m[8], m[10], m[11], m[12], m[14], m[15]])
        + m[2] * det3([m[4], m[5], m[7], m[8], m[9], m[11], m[12], m[13], m[15]])
        - m[3] * det3([m[4], m[5], m[6], m[8], m[9], m[10], m[12], m[13], m[14]])
}

/// The determinant of the `ell × ell` row-major matrix `a`, by cofactor
/// expansion along the first row of every minor: the prefixes of the
/// `ell!` products are shared along the stack.
// the stack's buffers are indexed: a body cannot iterate a local buffer
#[allow(clippy::needless_range_loop)]
#[differentiable]
pub fn det_by_minors(a: &[f64], ell: usize) -> f64 {
    let n = ell;
    let mut free = vec![1.0; n];
    let mut at = vec![-1.0; n];
    let mut pre = vec![1.0; n];
    let mut det = 0.0;
    if n == 1 {
        det = a[0];
    } else if n == 2 {
        det = a[0] * a[3] - a[1] * a[2];
    } else if n == 3 {
        det = det3([a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]]);
    }
    // the stack's depth: the minor of rows r..n
    let mut r = 0usize;
    loop {
        if n < 4 {
            break;
        }
        if r + 4 == n {
            // the four free columns, in increasing order (n: not found yet)
            let mut found = 0usize;
            let mut p = n;
            let mut q = n;
            let mut s = n;
            let mut t = n;
            for c in 0..n {
                if free[c] == 1.0 {
                    if found == 0 {
                        p = c;
                    } else if found == 1 {
                        q = c;
                    } else if found == 2 {
                        s = c;
                    } else {
                        t = c;
                    }
                    found += 1;
                }
            }
            let (r0, r1, r2, r3) = (r * n, (r + 1) * n, (r + 2) * n, (r + 3) * n);
            det += pre[r]
                * det4([
                    a[r0 + p],
                    a[r0 + q],
                    a[r0 + s],
                    a[r0 + t],
                    a[r1 + p],
                    a[r1 + q],
                    a[r1 + s],
                    a[r1 + t],
                    a[r2 + p],
                    a[r2 + q],
                    a[r2 + s],
                    a[r2 + t],
                    a[r3 + p],
                    a[r3 + q],
                    a[r3 + s],
                    a[r3 + t],
                ]);
            if r == 0 {
                break;
            }
            r -= 1;
        } else {
            // release row r's column, then take the next free one after it;
            // `before` counts the minor's columns before that one (its sign)
            for c in 0..n {
                if (c as f64) == at[r] {
                    free[c] = 1.0;
                }
            }
            let mut next = n;
            let mut before = 0usize;
            for c in 0..n {
                if next == n && free[c] == 1.0 {
                    if (c as f64) > at[r] {
                        next = c;
                    } else {
                        before += 1;
                    }
                }
            }
            if next == n {
                at[r] = -1.0;
                if r == 0 {
                    break;
                }
                r -= 1;
            } else {
                free[next] = 0.0;
                at[r] = next as f64;
                let sign = if before % 2 == 0 { 1.0 } else { -1.0 };
                pre[r + 1] = pre[r] * sign * a[r * n + next];
                r += 1;
            }
        }
    }
    det
}

/// `primal` and `gradient`.
pub fn evaluate(function: &str, input: &Value, runner: &Runner) -> Result<Evaluated, String> {
    let a = floats(&input["A"], "A")?;
    let ell = input["ell"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n >= 1)
        .ok_or_else(|| format!("`ell` must be a positive integer, not {}", input["ell"]))?;
    if a.len() != ell * ell {
        return Err(format!(
            "`A` has {} values, not ell² = {} (row-major)",
            a.len(),
            ell * ell
        ));
    }
    super::primal_or_gradient(
        "det",
        function,
        runner,
        a.len(),
        || det_by_minors(&a, ell),
        |d| det_by_minors_grad_into(&a, ell, d),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evals::testing::{assert_gradient_matches_central_differences, pseudo_random};

    /// The determinant by Gaussian elimination with partial pivoting: an
    /// independent algorithm.
    fn by_elimination(a: &[f64], n: usize) -> f64 {
        let mut m = a.to_vec();
        let mut det = 1.0;
        for k in 0..n {
            let p = (k..n)
                .max_by(|&i, &j| m[i * n + k].abs().total_cmp(&m[j * n + k].abs()))
                .unwrap();
            if p != k {
                for j in 0..n {
                    m.swap(k * n + j, p * n + j);
                }
                det = -det;
            }
            let pivot = m[k * n + k];
            det *= pivot;
            for i in k + 1..n {
                let f = m[i * n + k] / pivot;
                for j in k..n {
                    m[i * n + j] -= f * m[k * n + j];
                }
            }
        }
        det
    }

    #[test]
    fn value_is_the_determinant() {
        assert_eq!(det_by_minors(&[3.0], 1), 3.0);
        assert_eq!(det_by_minors(&[1.0, 2.0, 3.0, 4.0], 2), -2.0);
        // a permutation matrix of odd parity
        let p = [0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0];
        assert_eq!(det_by_minors(&p, 3), -1.0);
        for n in 3..=7 {
            let a = pseudo_random(n * n, n as u64);
            let (v, e) = (det_by_minors(&a, n), by_elimination(&a, n));
            assert!((v - e).abs() <= 1e-12 * (1.0 + e.abs()), "{n}: {v} vs {e}");
        }
    }

    #[test]
    fn gradient_is_the_cofactor_matrix_and_matches_central_differences() {
        for n in [1, 2, 3, 5] {
            let a = pseudo_random(n * n, 40 + n as u64);
            let (_, g) = det_by_minors_grad(&a, n);
            assert_gradient_matches_central_differences(&a, &g, |a| by_elimination(a, n));
            // Σ_j a_ij·C_ij = det for every row i
            let det = by_elimination(&a, n);
            for i in 0..n {
                let s: f64 = (0..n).map(|j| a[i * n + j] * g[i * n + j]).sum();
                assert!((s - det).abs() < 1e-12, "row {i}: {s} vs {det}");
            }
        }
    }
}
