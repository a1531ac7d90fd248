//! Loops nested in a state loop whose iterations run loops of their own:
//! the forward sweep records the inner loop's per-iteration values for all
//! its runs (a stacked tape) and the reverse sweep reads them back instead
//! of recomputing the inner reductions (the GMM objective's `Q·(x − μ)`).

macro_rules! stacked {
    ($F:ident) => {
        use macrograd::differentiable;

        /// `log Σ_c exp(β_c)`, `β_c = a_c − ½ Σ_r t_r²`, `t_r = Σ_{j ≤ r}
        /// l[c][r][j]·x_j`, with the running maximum as GMM keeps it.
        #[differentiable]
        pub fn lse_rows(a: &[$F], l: &[$F], #[nograd] x: &[$F], d: usize) -> $F {
            let mut top = $F::NEG_INFINITY;
            let mut scaled = 0.0;
            for c in 0..a.len() {
                let mut sq = 0.0;
                for r in 0..d {
                    let mut t = 0.0;
                    for j in 0..r + 1 {
                        t += l[(c * d + r) * d + j] * x[j];
                    }
                    sq += t * t;
                }
                let beta = a[c] - 0.5 * sq;
                let next = top.max(beta);
                scaled = scaled * (top - next).exp() + (beta - next).exp();
                top = next;
            }
            top + scaled.ln()
        }

        /// Four levels: a product over `c` of a state over `r` of a product
        /// over `j` of a reduction over `m`; each level keeps a state.
        #[differentiable]
        pub fn nest4(w: &[$F], #[nograd] x: &[$F], k: usize, d: usize) -> $F {
            let mut p = 1.0;
            for c in 0..k {
                let mut h = 0.0;
                for r in 0..d {
                    let mut g = 1.0;
                    for j in 0..d {
                        let mut s = 0.0;
                        for m in 0..j + 1 {
                            s += w[((c * d + r) * d + j) * d + m] * x[m];
                        }
                        g *= 1.0 + 0.5 * s.sin();
                    }
                    h = (h + 0.5 * g).sin();
                }
                p *= 1.0 + h * h;
            }
            p
        }
    };
}

mod s64 {
    stacked!(f64);
}

mod s32 {
    stacked!(f32);
}

use super::common::numeric_grad_f32;
use super::{assert_all_close, f32s, numeric_grad, to64, TOL_32, TOL_64};

/// Closed form of `lse_rows`: `∂/∂a_c = π_c`, `∂/∂l[c][r][j] = −π_c·t_r·x_j`
/// (j ≤ r), `π = softmax(β)`.
fn lse_rows_closed(a: &[f64], l: &[f64], x: &[f64], d: usize) -> (f64, Vec<f64>, Vec<f64>) {
    let rows: Vec<Vec<f64>> = (0..a.len())
        .map(|c| {
            (0..d)
                .map(|r| (0..=r).map(|j| l[(c * d + r) * d + j] * x[j]).sum())
                .collect()
        })
        .collect();
    let beta: Vec<f64> = (0..a.len())
        .map(|c| a[c] - 0.5 * rows[c].iter().map(|t| t * t).sum::<f64>())
        .collect();
    let top = beta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let z: f64 = beta.iter().map(|b| (b - top).exp()).sum();
    let pi: Vec<f64> = beta.iter().map(|b| (b - top).exp() / z).collect();
    let mut dl = vec![0.0; l.len()];
    for c in 0..a.len() {
        for r in 0..d {
            for j in 0..=r {
                dl[(c * d + r) * d + j] = -pi[c] * rows[c][r] * x[j];
            }
        }
    }
    (top + z.ln(), pi, dl)
}

#[test]
fn recorded_rows_give_the_closed_form_gradient() {
    let x = [0.5, -1.0, 0.75, 0.25];
    for (k, d) in [(3, 4), (1, 1), (4, 2), (2, 0)] {
        let a: Vec<f64> = (0..k).map(|c| 0.3 * c as f64 - 0.2).collect();
        let l: Vec<f64> = (0..k * d * d)
            .map(|i| ((i * 7 % 11) as f64 - 5.0) * 0.1)
            .collect();
        let (value, da, dl) = lse_rows_closed(&a, &l, &x, d);
        let what = format!("k = {k}, d = {d}");
        let (v, (ga, gl)) = s64::lse_rows_grad(&a, &l, &x, d);
        assert_all_close(&[v], &[value], TOL_64, &what);
        assert_all_close(&ga, &da, TOL_64, &what);
        assert_all_close(&gl, &dl, TOL_64, &what);
        let fd = numeric_grad(|p| s64::lse_rows(&a, p, &x, d), &l);
        assert_all_close(&gl, &fd, super::TOL_FD, &what);
        let (v32, (ga32, gl32)) = s32::lse_rows_grad(&f32s(&a), &f32s(&l), &f32s(&x), d);
        assert_all_close(&to64(&[v32]), &[value], TOL_32, &what);
        assert_all_close(&to64(&ga32), &da, TOL_32, &what);
        assert_all_close(&to64(&gl32), &dl, TOL_32, &what);
    }
}

#[test]
fn four_nested_state_loops_match_differences() {
    let x = [0.5, -1.0, 0.75];
    for (k, d) in [(2, 3), (3, 1), (0, 2), (2, 0)] {
        let w: Vec<f64> = (0..k * d * d * d)
            .map(|i| ((i * 5 % 13) as f64 - 6.0) * 0.1)
            .collect();
        let what = format!("k = {k}, d = {d}");
        let (v, gw) = s64::nest4_grad(&w, &x, k, d);
        assert_eq!(v, s64::nest4(&w, &x, k, d), "{what}");
        let fd = numeric_grad(|p| s64::nest4(p, &x, k, d), &w);
        assert_all_close(&gw, &fd, super::TOL_FD, &what);
        let (w32, x32) = (f32s(&w), f32s(&x));
        let (_, gw32) = s32::nest4_grad(&w32, &x32, k, d);
        let fd32 = numeric_grad_f32(|p| s32::nest4(p, &x32, k, d), &w32);
        assert_all_close(&to64(&gw32), &to64(&fd32), 5e-2, &what);
    }
}
