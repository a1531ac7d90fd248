//! The GMM log-posterior's gradient written by hand, for the bench: the
//! same objective as `macrograd_gradbench::evals::gmm::gmm_log_posterior`
//! (flat row-major arrays, each triangle `l_c` row by row), differentiated
//! the way ADBench's hand-written C++ adjoint does: one forward pass per
//! point that keeps `xᵢ − μ_c` and `Q_c(xᵢ − μ_c)` for every component in
//! a buffer allocated once per call, then the backward pass over them.

/// Adds the gradient with respect to `alpha`, `mu`, `q` and `l` into the
/// four buffers and returns the value.
#[allow(clippy::too_many_arguments)]
pub fn gmm_log_posterior_hand(
    alpha: &[f64],
    mu: &[f64],
    q: &[f64],
    l: &[f64],
    x: &[f64],
    d: usize,
    m: usize,
    gamma: f64,
    grads: (&mut [f64], &mut [f64], &mut [f64], &mut [f64]),
) -> f64 {
    let (d_alpha, d_mu, d_q, d_l) = grads;
    let k = alpha.len();
    let n = x.len() / d;
    let tri = d * (d - 1) / 2;
    let mut centred = vec![0.0; k * d];
    let mut mahal = vec![0.0; k * d];
    let mut beta = vec![0.0; k];
    let mut d_xc = vec![0.0; d];
    let sum_q: Vec<f64> = (0..k).map(|c| q[c * d..(c + 1) * d].iter().sum()).collect();
    let exp_q: Vec<f64> = q.iter().map(|v| v.exp()).collect();
    let mut data = 0.0;
    for i in 0..n {
        let xi = &x[i * d..(i + 1) * d];
        for c in 0..k {
            let xc = &mut centred[c * d..(c + 1) * d];
            for j in 0..d {
                xc[j] = xi[j] - mu[c * d + j];
            }
            let mut sq = 0.0;
            for r in 0..d {
                let row = &l[c * tri + r * r.saturating_sub(1) / 2..];
                let mut t = exp_q[c * d + r] * xc[r];
                for j in 0..r {
                    t += row[j] * xc[j];
                }
                mahal[c * d + r] = t;
                sq += t * t;
            }
            beta[c] = alpha[c] + sum_q[c] - 0.5 * sq;
        }
        let top = beta.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = beta.iter().map(|b| (b - top).exp()).sum();
        data += top + total.ln();
        for c in 0..k {
            let d_beta = (beta[c] - top).exp() / total;
            d_alpha[c] += d_beta;
            let xc = &centred[c * d..(c + 1) * d];
            d_xc.fill(0.0);
            for r in 0..d {
                let d_t = -d_beta * mahal[c * d + r];
                d_q[c * d + r] += d_beta + d_t * exp_q[c * d + r] * xc[r];
                d_xc[r] += d_t * exp_q[c * d + r];
                let at = c * tri + r * r.saturating_sub(1) / 2;
                for j in 0..r {
                    d_l[at + j] += d_t * xc[j];
                    d_xc[j] += d_t * l[at + j];
                }
            }
            for j in 0..d {
                d_mu[c * d + j] -= d_xc[j];
            }
        }
    }
    // − n·lse(α)
    let top = alpha.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let total: f64 = alpha.iter().map(|a| (a - top).exp()).sum();
    for c in 0..k {
        d_alpha[c] -= n as f64 * (alpha[c] - top).exp() / total;
    }
    // the Wishart prior
    let mut prior = 0.0;
    for c in 0..k {
        let mut squares = 0.0;
        for j in 0..d {
            let e2 = exp_q[c * d + j] * exp_q[c * d + j];
            squares += e2;
            d_q[c * d + j] += -gamma * gamma * e2 + m as f64;
        }
        for j in 0..tri {
            let v = l[c * tri + j];
            squares += v * v;
            d_l[c * tri + j] += -gamma * gamma * v;
        }
        prior += -0.5 * gamma * gamma * squares + m as f64 * sum_q[c];
    }
    data - n as f64 * (top + total.ln()) + prior
}
