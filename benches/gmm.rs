//! The GMM log-posterior at ADBench's sizes (n = 1000 points,
//! d ∈ {2, 10, 20, 32, 64}, k ∈ {5, 10, 25, 50, 100}): the gradient
//! `#[differentiable]` writes (`gmm_log_posterior_grad_into`, the function
//! GradBench's `gmm` eval answers with), the objective alone, and the
//! adjoint written by hand (`hand/gmm.rs`), in one run.
//!
//! Groups are `gmm/<d>_<k>/<impl>`, `<impl>` one of `generated`, `forward`
//! and `hand`. Target (issue 7): generated / forward ≤ 3 at every size.
//!
//! ```text
//! cargo bench -p macrograd-benches --bench gmm
//! python3 benches/gmm_ratios.py
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;
use macrograd_gradbench::evals::gmm::{gmm_log_posterior, gmm_log_posterior_grad_into};

#[path = "hand/gmm.rs"]
mod hand;

/// `len` values in [−1, 1) from a linear congruential generator.
fn values(len: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (s >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        })
        .collect()
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(10)
        .configure_from_args();
    let n = 1000;
    for d in [2, 10, 20, 32, 64] {
        for k in [5, 10, 25, 50, 100] {
            let tri = d * (d - 1) / 2;
            let x = values(n * d, 1);
            let alpha = values(k, 2);
            let mu = values(k * d, 3);
            let q = values(k * d, 4);
            let l = values(k * tri, 5);
            let (m, gamma) = (0, 1.0);
            let mut gen = (
                vec![0.0; k],
                vec![0.0; k * d],
                vec![0.0; k * d],
                vec![0.0; k * tri],
            );
            let mut by_hand = gen.clone();
            let (a, b) = (
                gmm_log_posterior_grad_into(
                    &alpha, &mu, &q, &l, &x, d, m, gamma, &mut gen.0, &mut gen.1, &mut gen.2,
                    &mut gen.3,
                ),
                hand::gmm_log_posterior_hand(
                    &alpha,
                    &mu,
                    &q,
                    &l,
                    &x,
                    d,
                    m,
                    gamma,
                    (
                        &mut by_hand.0,
                        &mut by_hand.1,
                        &mut by_hand.2,
                        &mut by_hand.3,
                    ),
                ),
            );
            // the two gradients agree before either is timed
            assert!(
                (a - b).abs() <= 1e-9 * a.abs().max(1.0),
                "{d}_{k}: {a} vs {b}"
            );
            for (u, v) in [
                (&gen.0, &by_hand.0),
                (&gen.1, &by_hand.1),
                (&gen.2, &by_hand.2),
                (&gen.3, &by_hand.3),
            ] {
                for (p, h) in u.iter().zip(v.iter()) {
                    assert!(
                        (p - h).abs() <= 1e-8 * (1.0 + h.abs()),
                        "{d}_{k}: {p} vs {h}"
                    );
                }
            }
            let mut g = c.benchmark_group(format!("gmm/{d}_{k}"));
            g.bench_function("generated", |bch| {
                bch.iter(|| {
                    gmm_log_posterior_grad_into(
                        black_box(&alpha),
                        &mu,
                        &q,
                        &l,
                        &x,
                        d,
                        m,
                        gamma,
                        &mut gen.0,
                        &mut gen.1,
                        &mut gen.2,
                        &mut gen.3,
                    )
                })
            });
            g.bench_function("hand", |bch| {
                bch.iter(|| {
                    hand::gmm_log_posterior_hand(
                        black_box(&alpha),
                        &mu,
                        &q,
                        &l,
                        &x,
                        d,
                        m,
                        gamma,
                        (
                            &mut by_hand.0,
                            &mut by_hand.1,
                            &mut by_hand.2,
                            &mut by_hand.3,
                        ),
                    )
                })
            });
            g.bench_function("forward", |bch| {
                bch.iter(|| gmm_log_posterior(black_box(&alpha), &mu, &q, &l, &x, d, m, gamma))
            });
            g.finish();
        }
    }
    c.final_summary();
}
