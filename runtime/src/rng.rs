//! The seeded random number generator every runtime function uses.
//!
//! [`Rng`] is ChaCha8 from `rand_chacha`: its output for a given seed is
//! specified by the algorithm, so a seed gives the same data sets,
//! initialisations and shuffles on every platform and every run.

use rand::{Rng as _, SeedableRng};

/// The runtime's generator: ChaCha with 8 rounds.
pub type Rng = rand_chacha::ChaCha8Rng;

/// A generator from a 64-bit seed.
pub fn seeded(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// Uniform in `[lo, hi)`.
pub fn uniform(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// A standard normal sample (Box–Muller; one uniform pair per sample, so
/// the stream does not depend on hidden state).
pub fn standard_normal(rng: &mut Rng) -> f64 {
    // 1 − u is in (0, 1], so the logarithm is finite.
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (core::f64::consts::TAU * u2).cos()
}

/// Shuffles `items` in place (Fisher–Yates).
pub fn shuffle<T>(rng: &mut Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        // Sampled as u64 so 32- and 64-bit targets draw the same numbers.
        let j = rng.random_range(0..=i as u64) as usize;
        items.swap(i, j);
    }
}

/// `0..n` in a seeded random order.
pub fn permutation(rng: &mut Rng, n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    shuffle(rng, &mut idx);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_moments_are_standard() {
        let mut rng = seeded(7);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| standard_normal(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        // standard errors: 1/√n ≈ 0.0022 for the mean, √(2/n) ≈ 0.0032 for the variance
        assert!(
            mean.abs() < 0.01 && (var - 1.0).abs() < 0.015,
            "{mean} {var}"
        );
    }

    #[test]
    fn permutation_is_a_permutation_and_seeded() {
        let p = permutation(&mut seeded(1), 50);
        let mut sorted = p.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_eq!(p, permutation(&mut seeded(1), 50));
        assert_ne!(p, permutation(&mut seeded(2), 50));
    }
}
