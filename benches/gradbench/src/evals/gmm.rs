//! `gmm`: the log-posterior of a Gaussian mixture model (ADBench's
//! objective with GradBench's corrections) and its gradient with respect
//! to the weights `alpha`, the means `mu`, and the precision factors `q`
//! (log-diagonal) and `l` (strictly lower part, column by column).
//!
//! Every array is kept flat and row-major (`mu[c * d + j]`), so the
//! objective is one function over slices of run-time length. The eval
//! gives each `l_c` column by column; it is kept row by row instead
//! (`L_c[r][j]` at `r(r − 1)/2 + j`), so the inner loop over `j` reads
//! consecutive elements, and its gradient is put back in the eval's order.

use macrograd::differentiable;
use serde_json::Value;

use crate::protocol::{floats, number, numbers, Evaluated, Runner};

/// The part of the log-posterior that depends on the parameters:
/// `Σᵢ lse_c(βᵢc) − n·lse(α) + Σ_c [−½γ²(‖exp(q_c)‖² + ‖l_c‖²) + m·Σⱼ q_cj]`,
/// with `βᵢc = α_c + Σⱼ q_cj − ½‖Q_c(xᵢ − μ_c)‖²`. Each log-sum-exp over
/// the components is taken online (running maximum and rescaled sum), so
/// each `βᵢc` is computed once; the points are taken two at a time. `exp(q)` and `α_c + Σⱼ q_cj` do not depend
/// on the point: they are computed once into local buffers before the loop
/// over the points, which reads them (in the gradient as well, which would
/// otherwise take `exp` twice per point, component and row).
#[differentiable]
#[allow(clippy::too_many_arguments)]
pub fn gmm_log_posterior(
    alpha: &[f64],
    mu: &[f64],
    q: &[f64],
    l: &[f64],
    #[nograd] x: &[f64],
    d: usize,
    m: usize,
    #[nograd] gamma: f64,
) -> f64 {
    let k = alpha.len();
    let n = x.len() / d;
    let tri = d * (d - 1) / 2;
    let mut diag = vec![0.0; k * d];
    for e in 0..k * d {
        diag[e] = q[e].exp();
    }
    let mut base = vec![0.0; k];
    for c in 0..k {
        let mut sum_q = 0.0;
        for r in 0..d {
            sum_q += q[c * d + r];
        }
        base[c] = alpha[c] + sum_q;
    }
    let mut data = 0.0;
    // two points at a time, `a` and `b`, so that each element of `l_c`
    // read (and, in the gradient, each of `d_l` and `d_mu` written) serves
    // both, and their two row sums are independent; when `n` is odd, the
    // last pair is the last point twice (`(a + 1) / n` is 1 only there),
    // the copy weighted 0. Integer arithmetic, not `if`: with an `if` for
    // `b`, the gradient ran the loop over the components twice per pair.
    for p in 0..n / 2 + n % 2 {
        let a = 2 * p;
        let b = a + 1 - (a + 1) / n;
        let gap = b - a;
        let weight = gap as f64;
        let mut top_a = f64::NEG_INFINITY;
        let mut scaled_a = 0.0;
        let mut top_b = f64::NEG_INFINITY;
        let mut scaled_b = 0.0;
        for c in 0..k {
            let mut sq_a = 0.0;
            let mut sq_b = 0.0;
            for r in 0..d {
                let mut t_a = diag[c * d + r] * (x[a * d + r] - mu[c * d + r]);
                let mut t_b = diag[c * d + r] * (x[b * d + r] - mu[c * d + r]);
                for j in 0..r {
                    let l_rj = l[c * tri + r * (r - 1) / 2 + j];
                    t_a += l_rj * (x[a * d + j] - mu[c * d + j]);
                    t_b += l_rj * (x[b * d + j] - mu[c * d + j]);
                }
                sq_a += t_a * t_a;
                sq_b += t_b * t_b;
            }
            let beta_a = base[c] - 0.5 * sq_a;
            let next_a = top_a.max(beta_a);
            scaled_a = scaled_a * (top_a - next_a).exp() + (beta_a - next_a).exp();
            top_a = next_a;
            let beta_b = base[c] - 0.5 * sq_b;
            let next_b = top_b.max(beta_b);
            scaled_b = scaled_b * (top_b - next_b).exp() + (beta_b - next_b).exp();
            top_b = next_b;
        }
        data += top_a + scaled_a.ln() + weight * (top_b + scaled_b.ln());
    }
    let mut top = f64::NEG_INFINITY;
    for &a in alpha {
        top = top.max(a);
    }
    let mut scaled = 0.0;
    for &a in alpha {
        scaled += (a - top).exp();
    }
    let mut prior = 0.0;
    for c in 0..k {
        let mut squares = 0.0;
        let mut sum_q = 0.0;
        for j in 0..d {
            squares += (2.0 * q[c * d + j]).exp();
            sum_q += q[c * d + j];
        }
        for j in 0..tri {
            squares += l[c * tri + j] * l[c * tri + j];
        }
        prior += -0.5 * gamma * gamma * squares + (m as f64) * sum_q;
    }
    data - (n as f64) * (top + scaled.ln()) + prior
}

/// `ln Γ(a)` for `a` a positive multiple of ½, exactly by the recurrence
/// `Γ(a + 1) = a·Γ(a)` from `Γ(1) = 1` or `Γ(½) = √π`.
fn ln_gamma_half_integer(a: f64) -> f64 {
    let (mut at, mut sum) = if a.fract() == 0.0 {
        (1.0, 0.0)
    } else {
        (0.5, 0.5 * std::f64::consts::PI.ln())
    };
    while at < a {
        sum += at.ln();
        at += 1.0;
    }
    sum
}

/// The terms that do not depend on the parameters:
/// `−(n·d/2)·log(2π) + k·(N·d·(log γ − ½ log 2) − log Γ_d(N/2))`, `N = d + m + 1`.
fn constant_terms(n: usize, d: usize, k: usize, m: usize, gamma: f64) -> f64 {
    let (n, d, k, big_n) = (n as f64, d as f64, k as f64, (d + m + 1) as f64);
    let pi = std::f64::consts::PI;
    let mut ln_multi_gamma = 0.25 * d * (d - 1.0) * pi.ln();
    let mut j = 1.0;
    while j <= d {
        ln_multi_gamma += ln_gamma_half_integer(0.5 * big_n + 0.5 * (1.0 - j));
        j += 1.0;
    }
    -0.5 * n * d * (2.0 * pi).ln()
        + k * (big_n * d * (gamma.ln() - 0.5 * 2f64.ln()) - ln_multi_gamma)
}

/// Where entry (row `r`, column `j < r`) of a strictly lower triangle
/// of side `d` sits when it is stored column by column, and row by row.
fn triangle_positions(d: usize) -> impl Iterator<Item = (usize, usize)> {
    (1..d).flat_map(move |r| {
        (0..r).map(move |j| (j * d - j * (j + 1) / 2 + (r - j - 1), r * (r - 1) / 2 + j))
    })
}

/// Each component's triangle from column-by-column to row-by-row order
/// (`forward`), or back.
fn reorder_triangles(l: &[f64], d: usize, forward: bool) -> Vec<f64> {
    let tri = d * (d - 1) / 2;
    let mut out = vec![0.0; l.len()];
    for (from, to) in l.chunks(tri.max(1)).zip(out.chunks_mut(tri.max(1))) {
        for (by_column, by_row) in triangle_positions(d) {
            if forward {
                to[by_row] = from[by_column];
            } else {
                to[by_column] = from[by_row];
            }
        }
    }
    out
}

/// The eval's input, flattened (`l` row by row).
struct Input {
    d: usize,
    m: usize,
    gamma: f64,
    x: Vec<f64>,
    alpha: Vec<f64>,
    mu: Vec<f64>,
    q: Vec<f64>,
    l: Vec<f64>,
}

impl Input {
    fn parse(input: &Value) -> Result<Input, String> {
        let int = |key: &str| {
            input[key]
                .as_u64()
                .and_then(|v| usize::try_from(v).ok())
                .ok_or_else(|| {
                    format!("`{key}` must be a non-negative integer, not {}", input[key])
                })
        };
        let (d, k, n, m) = (int("d")?, int("k")?, int("n")?, int("m")?);
        if d == 0 || k == 0 {
            return Err(format!("`d` and `k` must be at least 1 (d = {d}, k = {k})"));
        }
        let gamma = input["gamma"]
            .as_f64()
            .ok_or_else(|| format!("`gamma` must be a number, not {}", input["gamma"]))?;
        let tri = d * (d - 1) / 2;
        let read = |key: &str, rows: usize, cols: usize| -> Result<Vec<f64>, String> {
            let rows_v = input[key]
                .as_array()
                .filter(|r| r.len() == rows)
                .ok_or_else(|| format!("`{key}` must be an array of {rows} rows"))?;
            let mut flat = Vec::with_capacity(rows * cols);
            for (i, row) in rows_v.iter().enumerate() {
                let values = floats(row, key)?;
                if values.len() != cols {
                    return Err(format!(
                        "`{key}[{i}]` has {} values, not {cols}",
                        values.len()
                    ));
                }
                flat.extend(values);
            }
            Ok(flat)
        };
        Ok(Input {
            d,
            m,
            gamma,
            x: read("x", n, d)?,
            alpha: floats(&input["alpha"], "alpha").and_then(|a| {
                if a.len() == k {
                    Ok(a)
                } else {
                    Err(format!("`alpha` must have k = {k} values"))
                }
            })?,
            mu: read("mu", k, d)?,
            q: read("q", k, d)?,
            l: reorder_triangles(&read("l", k, tri)?, d, true),
        })
    }

    fn objective(&self) -> f64 {
        let n = self.x.len() / self.d;
        let (a, mu, q, l) = (&self.alpha, &self.mu, &self.q, &self.l);
        gmm_log_posterior(a, mu, q, l, &self.x, self.d, self.m, self.gamma)
            + constant_terms(n, self.d, a.len(), self.m, self.gamma)
    }
}

/// `count` rows of `cols` values as a JSON array of arrays (`count` empty
/// rows when `cols` is 0, as `l` is for d = 1).
fn rows(flat: &[f64], count: usize, cols: usize) -> Value {
    if cols == 0 {
        return Value::Array(vec![Value::Array(Vec::new()); count]);
    }
    Value::Array(flat.chunks(cols).map(numbers).collect())
}

/// `objective` and `jacobian`.
pub fn evaluate(function: &str, input: &Value, runner: &Runner) -> Result<Evaluated, String> {
    let p = Input::parse(input)?;
    match function {
        "objective" => {
            let (y, timings) = runner.run(|| p.objective());
            Ok(Evaluated {
                output: number(y),
                timings,
            })
        }
        "jacobian" => {
            let mut da = vec![0.0; p.alpha.len()];
            let mut dmu = vec![0.0; p.mu.len()];
            let mut dq = vec![0.0; p.q.len()];
            let mut dl = vec![0.0; p.l.len()];
            let (_, timings) = runner.run(|| {
                for g in [&mut da, &mut dmu, &mut dq, &mut dl] {
                    g.fill(0.0);
                }
                gmm_log_posterior_grad_into(
                    &p.alpha, &p.mu, &p.q, &p.l, &p.x, p.d, p.m, p.gamma, &mut da, &mut dmu,
                    &mut dq, &mut dl,
                )
            });
            let (k, d) = (p.alpha.len(), p.d);
            let mut out = serde_json::Map::new();
            out.insert("alpha".into(), numbers(&da));
            out.insert("mu".into(), rows(&dmu, k, d));
            out.insert("q".into(), rows(&dq, k, d));
            let dl = reorder_triangles(&dl, d, false);
            out.insert("l".into(), rows(&dl, k, d * (d - 1) / 2));
            Ok(Evaluated {
                output: Value::Object(out),
                timings,
            })
        }
        other => Err(format!(
            "no function `{other}`: gmm has `objective` and `jacobian`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evals::testing::{assert_gradient_matches_central_differences, pseudo_random};

    /// The objective as the eval states it, with each `Q_k` built as a
    /// dense matrix and each log-sum-exp taken in two passes.
    fn by_the_formula(p: &Input) -> f64 {
        let (d, k) = (p.d, p.alpha.len());
        let n = p.x.len() / d;
        let lse = |v: &[f64]| {
            let top = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            top + v.iter().map(|x| (x - top).exp()).sum::<f64>().ln()
        };
        // filled column by column from the eval's order, as the eval states
        let by_columns = reorder_triangles(&p.l, d, false);
        let mut qs = vec![vec![vec![0.0; d]; d]; k];
        for (c, qc) in qs.iter_mut().enumerate() {
            let mut next = 0;
            for col in 0..d {
                qc[col][col] = p.q[c * d + col].exp();
                for row in qc.iter_mut().skip(col + 1) {
                    row[col] = by_columns[c * d * (d - 1) / 2 + next];
                    next += 1;
                }
            }
        }
        let mut total = 0.0;
        for i in 0..n {
            let betas: Vec<f64> = (0..k)
                .map(|c| {
                    let diff: Vec<f64> = (0..d).map(|j| p.x[i * d + j] - p.mu[c * d + j]).collect();
                    let norm: f64 = (0..d)
                        .map(|r| (0..d).map(|j| qs[c][r][j] * diff[j]).sum::<f64>().powi(2))
                        .sum();
                    p.alpha[c] + p.q[c * d..(c + 1) * d].iter().sum::<f64>() - 0.5 * norm
                })
                .collect();
            total += lse(&betas);
        }
        total -= n as f64 * lse(&p.alpha);
        let tri = d * (d - 1) / 2;
        for c in 0..k {
            let q = &p.q[c * d..(c + 1) * d];
            let l = &p.l[c * tri..(c + 1) * tri];
            let squares: f64 = q.iter().map(|v| v.exp().powi(2)).sum::<f64>()
                + l.iter().map(|v| v * v).sum::<f64>();
            total += -0.5 * p.gamma.powi(2) * squares + p.m as f64 * q.iter().sum::<f64>();
        }
        total + constant_terms(n, d, k, p.m, p.gamma)
    }

    fn sample(d: usize, k: usize, n: usize, m: usize, seed: u64) -> Input {
        let centred = |len, s| {
            pseudo_random(len, s)
                .iter()
                .map(|v| 2.0 * v - 1.0)
                .collect()
        };
        Input {
            d,
            m,
            gamma: 0.7,
            x: centred(n * d, seed),
            alpha: centred(k, seed + 1),
            mu: pseudo_random(k * d, seed + 2),
            q: centred(k * d, seed + 3),
            l: centred(k * d * (d - 1) / 2, seed + 4),
        }
    }

    #[test]
    fn triangles_are_reordered_and_back() {
        // d = 3: by columns (1,0) (2,0) (2,1); by rows (1,0) (2,0) (2,1) too
        assert_eq!(
            reorder_triangles(&[1.0, 2.0, 3.0], 3, true),
            [1.0, 2.0, 3.0]
        );
        // d = 4: by columns (1,0) (2,0) (3,0) (2,1) (3,1) (3,2);
        // by rows (1,0) (2,0) (2,1) (3,0) (3,1) (3,2)
        let by_columns = [10.0, 20.0, 30.0, 21.0, 31.0, 32.0];
        let by_rows = reorder_triangles(&by_columns, 4, true);
        assert_eq!(by_rows, [10.0, 20.0, 21.0, 30.0, 31.0, 32.0]);
        assert_eq!(reorder_triangles(&by_rows, 4, false), by_columns);
    }

    #[test]
    fn ln_gamma_matches_factorials_and_half_integers() {
        assert_eq!(ln_gamma_half_integer(1.0), 0.0);
        assert!((ln_gamma_half_integer(5.0) - 24f64.ln()).abs() < 1e-14);
        // Γ(7/2) = 15√π/8.
        let expected = (15.0 * std::f64::consts::PI.sqrt() / 8.0).ln();
        assert!((ln_gamma_half_integer(3.5) - expected).abs() < 1e-14);
    }

    #[test]
    fn objective_is_the_stated_formula() {
        for (d, k, n, m) in [(1, 1, 1, 0), (2, 3, 5, 0), (4, 3, 7, 2)] {
            let p = sample(d, k, n, m, 11);
            let (a, e) = (p.objective(), by_the_formula(&p));
            assert!(
                (a - e).abs() <= 1e-12 * (1.0 + e.abs()),
                "{d} {k} {n}: {a} vs {e}"
            );
        }
    }

    /// An even and an odd number of points (the last pair then the last
    /// point twice, its copy weighted 0).
    #[test]
    fn gradient_matches_central_differences() {
        for (d, k, n, m) in [(3, 2, 4, 1), (4, 3, 5, 0)] {
            let p = sample(d, k, n, m, 5);
            let (_, (da, dmu, dq, dl)) =
                gmm_log_posterior_grad(&p.alpha, &p.mu, &p.q, &p.l, &p.x, p.d, p.m, p.gamma);
            let with = |field: usize, v: &[f64]| {
                let mut s = sample(d, k, n, m, 5);
                [&mut s.alpha, &mut s.mu, &mut s.q, &mut s.l][field].copy_from_slice(v);
                by_the_formula(&s)
            };
            assert_gradient_matches_central_differences(&p.alpha, &da, |v| with(0, v));
            assert_gradient_matches_central_differences(&p.mu, &dmu, |v| with(1, v));
            assert_gradient_matches_central_differences(&p.q, &dq, |v| with(2, v));
            assert_gradient_matches_central_differences(&p.l, &dl, |v| with(3, v));
        }
    }
}
