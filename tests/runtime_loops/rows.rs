//! Inner loops reading and writing a row at `base + j` (taken before the
//! loop by the generated code), with a base that underflows when the loop
//! runs no iteration.

use macrograd::differentiable;

/// `Σ_r t_r²` with `t_r = x_r + Σ_{j<r} w[r(r − 1)/2 + j]·x_{d+j}`: the
/// triangle `w` stored row by row, `x` holding two vectors of length `d`.
/// At `r = 0`, `r - 1` underflows, but no inner iteration runs.
#[differentiable]
fn triangle(w: &[f64], x: &[f64], d: usize) -> f64 {
    let mut s = 0.0;
    for r in 0..d {
        let mut t = x[r];
        for j in 0..r {
            t += w[r * (r - 1) / 2 + j] * x[d + j];
        }
        s += t * t;
    }
    s
}

/// The same in `f32`.
#[differentiable]
fn triangle_f32(w: &[f32], x: &[f32], d: usize) -> f32 {
    let mut s = 0.0;
    for r in 0..d {
        let mut t = x[r];
        for j in 0..r {
            t += w[r * (r - 1) / 2 + j] * x[d + j];
        }
        s += t * t;
    }
    s
}

/// The gradient by the closed form: `∂/∂w_rj = 2 t_r x_{d+j}`,
/// `∂/∂x_r = 2 t_r`, `∂/∂x_{d+j} = Σ_{r>j} 2 t_r w_rj`.
fn closed_form(w: &[f64], x: &[f64], d: usize) -> (Vec<f64>, Vec<f64>) {
    let (mut dw, mut dx) = (vec![0.0; w.len()], vec![0.0; x.len()]);
    for r in 0..d {
        let at = |j: usize| r * (r.max(1) - 1) / 2 + j;
        let t = x[r] + (0..r).map(|j| w[at(j)] * x[d + j]).sum::<f64>();
        dx[r] += 2.0 * t;
        for j in 0..r {
            dw[at(j)] += 2.0 * t * x[d + j];
            dx[d + j] += 2.0 * t * w[at(j)];
        }
    }
    (dw, dx)
}

#[test]
fn triangle_rows_match_the_closed_form_and_differences() {
    for d in [0usize, 1, 2, 5] {
        let w: Vec<f64> = (0..d * d.saturating_sub(1) / 2)
            .map(|i| 0.3 - 0.17 * i as f64)
            .collect();
        let x: Vec<f64> = (0..2 * d)
            .map(|i| 0.5 + 0.21 * i as f64 - 0.05 * (i * i) as f64)
            .collect();
        let (want_w, want_x) = closed_form(&w, &x, d);
        let (_, (dw, dx)) = triangle_grad(&w, &x, d);
        let what = format!("d = {d}");
        super::assert_all_close(&dw, &want_w, super::TOL_64, &what);
        super::assert_all_close(&dx, &want_x, super::TOL_64, &what);
        let fd = super::numeric_grad(|p| triangle(p, &x, d), &w);
        super::assert_all_close(&dw, &fd, super::TOL_FD, &what);
        let fd = super::numeric_grad(|p| triangle(&w, p, d), &x);
        super::assert_all_close(&dx, &fd, super::TOL_FD, &what);
        let (w32, x32): (Vec<f32>, Vec<f32>) = (
            w.iter().map(|&v| v as f32).collect(),
            x.iter().map(|&v| v as f32).collect(),
        );
        let (_, (dw32, dx32)) = triangle_f32_grad(&w32, &x32, d);
        let widen = |v: Vec<f32>| v.into_iter().map(f64::from).collect::<Vec<f64>>();
        super::assert_all_close(&widen(dw32), &want_w, super::TOL_32, &what);
        super::assert_all_close(&widen(dx32), &want_x, super::TOL_32, &what);
    }
}
