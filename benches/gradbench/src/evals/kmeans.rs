//! `kmeans`: the k-means cost `Σᵢ minⱼ ‖Pᵢ − Cⱼ‖²` and the Newton
//! direction `J ⊘ H` for the centroids, where `J` is the gradient of the
//! cost and `H` the diagonal of its Hessian, both from the macro.
//!
//! The Hessian of the cost with respect to the centroids is diagonal:
//! with each point's nearest centroid fixed (the assignment is piecewise
//! constant, so its derivative is zero almost everywhere), the cost is a
//! sum of squares `(Pᵢₗ − Cₐ₍ᵢ₎ₗ)²`, each in one coordinate of one
//! centroid, so `∂²cost/∂Cⱼₗ∂Cⱼ′ₗ′` is zero off the diagonal. Its
//! Hessian-vector product with `v = 1` is therefore exactly its diagonal:
//! `dir` is one `kmeans_cost_hvp_into` call (gradient and `H·1` in one
//! forward-over-reverse sweep), then an element-wise division.

use macrograd::differentiable;
use serde_json::Value;

use crate::protocol::{floats, number, numbers, Evaluated, Runner};

/// `Σᵢ minⱼ ‖Pᵢ − Cⱼ‖²` over the points `points` and the centroids
/// `centroids`, both flat and row-major with `d` coordinates per row.
/// Each point finds its nearest centroid first (the lower index on a tie,
/// as the eval asks), then adds its squared distance to that one: the
/// search compares distances only, so only the last loop is differentiated.
#[differentiable(hvp)]
pub fn kmeans_cost(centroids: &[f64], #[nograd] points: &[f64], d: usize) -> f64 {
    let k = centroids.len() / d;
    let n = points.len() / d;
    let mut cost = 0.0;
    for i in 0..n {
        let mut best = f64::INFINITY;
        let mut nearest: usize = 0;
        for j in 0..k {
            let mut dist = 0.0;
            for l in 0..d {
                let diff = points[i * d + l] - centroids[j * d + l];
                dist += diff * diff;
            }
            if dist < best {
                best = dist;
                nearest = j;
            }
        }
        let mut dist = 0.0;
        for l in 0..d {
            let diff = points[i * d + l] - centroids[nearest * d + l];
            dist += diff * diff;
        }
        cost += dist;
    }
    cost
}

/// The eval's input, flattened row by row.
struct Input {
    d: usize,
    points: Vec<f64>,
    centroids: Vec<f64>,
}

impl Input {
    fn parse(input: &Value) -> Result<Input, String> {
        let read = |key: &str| -> Result<(Vec<f64>, usize, usize), String> {
            let rows = input[key]
                .as_array()
                .ok_or_else(|| format!("`{key}` must be an array of rows"))?;
            let mut flat = Vec::new();
            let mut width = None;
            for (i, row) in rows.iter().enumerate() {
                let values = floats(row, key)?;
                if *width.get_or_insert(values.len()) != values.len() {
                    return Err(format!(
                        "`{key}[{i}]` has {} values, not {}",
                        values.len(),
                        width.unwrap_or(0)
                    ));
                }
                flat.extend(values);
            }
            Ok((flat, rows.len(), width.unwrap_or(0)))
        };
        let (points, _, pd) = read("points")?;
        let (centroids, k, d) = read("centroids")?;
        if k == 0 || d == 0 {
            return Err(format!(
                "`centroids` must have at least one row of at least one value (k = {k}, d = {d})"
            ));
        }
        if !points.is_empty() && pd != d {
            return Err(format!("points have {pd} coordinates but centroids {d}"));
        }
        Ok(Input {
            d,
            points,
            centroids,
        })
    }
}

/// `cost` and `dir`.
pub fn evaluate(function: &str, input: &Value, runner: &Runner) -> Result<Evaluated, String> {
    let p = Input::parse(input)?;
    match function {
        "cost" => {
            let (y, timings) = runner.run(|| kmeans_cost(&p.centroids, &p.points, p.d));
            Ok(Evaluated {
                output: number(y),
                timings,
            })
        }
        "dir" => {
            let ones = vec![1.0; p.centroids.len()];
            let mut grad = vec![0.0; p.centroids.len()];
            let mut diag = vec![0.0; p.centroids.len()];
            let mut dir = vec![0.0; p.centroids.len()];
            let (_, timings) = runner.run(|| {
                grad.fill(0.0);
                diag.fill(0.0);
                // H·1 is diag(H): the Hessian is diagonal (see the module docs)
                let cost =
                    kmeans_cost_hvp_into(&p.centroids, &p.points, p.d, &ones, &mut grad, &mut diag);
                for ((o, g), h) in dir.iter_mut().zip(&grad).zip(&diag) {
                    *o = g / h;
                }
                cost
            });
            if let Some(j) = diag.iter().position(|&h| h == 0.0) {
                return Err(format!(
                    "centroid {} is the nearest centroid of no point: its Newton step divides by zero",
                    j / p.d
                ));
            }
            Ok(Evaluated {
                output: Value::Array(dir.chunks(p.d).map(numbers).collect()),
                timings,
            })
        }
        other => Err(format!(
            "no function `{other}`: kmeans has `cost` and `dir`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evals::testing::{assert_gradient_matches_central_differences, pseudo_random};

    /// `Σᵢ minⱼ ‖Pᵢ − Cⱼ‖²` as the eval states it.
    fn by_the_formula(c: &[f64], p: &[f64], d: usize) -> f64 {
        p.chunks(d)
            .map(|pi| {
                c.chunks(d)
                    .map(|cj| {
                        pi.iter()
                            .zip(cj)
                            .map(|(a, b)| (a - b) * (a - b))
                            .sum::<f64>()
                    })
                    .fold(f64::INFINITY, f64::min)
            })
            .sum()
    }

    fn sample(k: usize, n: usize, d: usize) -> (Vec<f64>, Vec<f64>) {
        let points = pseudo_random(n * d, 7);
        // the last k points, as the eval's default inputs
        let centroids = points[(n - k) * d..].to_vec();
        (centroids, points)
    }

    #[test]
    fn cost_is_the_sum_of_squared_distances_to_the_nearest_centroid() {
        let (c, p) = sample(4, 30, 3);
        let direct = by_the_formula(&c, &p, 3);
        assert!((kmeans_cost(&c, &p, 3) - direct).abs() < 1e-12 * direct);
    }

    #[test]
    fn gradient_and_diagonal_hessian_match_central_differences() {
        let (k, n, d) = (3, 25, 2);
        // centroids off the points, so no distance is zero
        let (c, p) = sample(k, n, d);
        let c: Vec<f64> = c.iter().map(|v| v + 0.01).collect();
        let ones = vec![1.0; k * d];
        let (value, grad, diag) = kmeans_cost_hvp(&c, &p, d, &ones);
        assert_eq!(value, kmeans_cost(&c, &p, d));
        assert_gradient_matches_central_differences(&c, &grad, |x| by_the_formula(x, &p, d));
        // the diagonal by central second differences of the cost
        let h = 1e-4;
        for i in 0..k * d {
            let mut x = c.clone();
            let mid = by_the_formula(&x, &p, d);
            x[i] = c[i] + h;
            let up = by_the_formula(&x, &p, d);
            x[i] = c[i] - h;
            let down = by_the_formula(&x, &p, d);
            let fd = (up - 2.0 * mid + down) / (h * h);
            assert!(
                (diag[i] - fd).abs() <= 1e-5 * (1.0 + fd.abs()),
                "H[{i}][{i}]: {} vs {fd}",
                diag[i]
            );
        }
        // and H·1 is the diagonal: H·eᵢ has nothing off the diagonal
        for i in 0..k * d {
            let mut e = vec![0.0; k * d];
            e[i] = 1.0;
            let (_, _, col) = kmeans_cost_hvp(&c, &p, d, &e);
            for (j, &hj) in col.iter().enumerate() {
                let want = if i == j { diag[i] } else { 0.0 };
                assert_eq!(hj, want, "H[{j}][{i}]");
            }
        }
    }
}
