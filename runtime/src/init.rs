//! Seeded parameter initialisation.
//!
//! Slice-level fills ([`fill`]) and whole-model helpers that walk
//! [`Params`] in visit order with one seeded [`crate::rng::Rng`] stream, so
//! a seed gives the same model on every platform.
//!
//! Fans follow PyTorch (`torch.nn.init._calculate_fan_in_and_fan_out`): for
//! a tensor of shape `[out, in, k…]`, `fan_in = in·Πk` and
//! `fan_out = out·Πk` (a `Linear` weight is `[out, in]`). Schemes that need
//! fans refuse tensors with fewer than 2 dimensions.

use crate::error::{Error, Result};
use crate::float::Float;
use crate::params::{for_each_mut, Params};
use crate::rng::{self, Rng};

/// How to fill one tensor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    /// every value `0`
    Zeros,
    /// every value the constant
    Constant(f64),
    /// `U(lo, hi)`; micrograd's `Neuron` uses `Uniform(-1, 1)`
    Uniform(f64, f64),
    /// `N(mean, std²)`
    Normal(f64, f64),
    /// Glorot & Bengio (2010): `U(−a, a)`, `a = gain·√(6/(fan_in + fan_out))`
    XavierUniform {
        /// scale (1 for tanh-free linear/sigmoid layers; see `torch.nn.init.calculate_gain`)
        gain: f64,
    },
    /// Glorot & Bengio (2010): `N(0, σ²)`, `σ = gain·√(2/(fan_in + fan_out))`
    XavierNormal {
        /// scale
        gain: f64,
    },
    /// He et al. (2015), fan-in mode: `U(−b, b)`, `b = gain·√(3/fan_in)`;
    /// `gain = √2` for ReLU
    KaimingUniform {
        /// scale
        gain: f64,
    },
    /// He et al. (2015), fan-in mode: `N(0, σ²)`, `σ = gain/√fan_in`
    KaimingNormal {
        /// scale
        gain: f64,
    },
}

impl Init {
    /// Kaiming (He) uniform for ReLU layers: `gain = √2`.
    pub const HE_RELU: Init = Init::KaimingUniform {
        gain: core::f64::consts::SQRT_2,
    };
    /// Xavier (Glorot) uniform with `gain = 1`.
    pub const GLOROT: Init = Init::XavierUniform { gain: 1.0 };
}

/// `(fan_in, fan_out)` of a tensor of `shape`, or `None` below 2 dimensions.
pub fn fans(shape: &[usize]) -> Option<(usize, usize)> {
    if shape.len() < 2 {
        return None;
    }
    let receptive: usize = shape[2..].iter().product();
    Some((shape[1] * receptive, shape[0] * receptive))
}

/// Fills `data` (a tensor of `shape`, named `name` in errors) by `scheme`.
pub fn fill<T: Float>(
    data: &mut [T],
    shape: &[usize],
    name: &str,
    scheme: Init,
    rng: &mut Rng,
) -> Result<()> {
    let need_fans = || {
        fans(shape).ok_or_else(|| Error::InvalidConfig {
            what: "initialisation",
            message: format!("{scheme:?} needs fans, so a tensor of at least 2 dimensions; `{name}` has shape {shape:?}"),
        })
    };
    let mut set =
        |f: &mut dyn FnMut(&mut Rng) -> f64| data.iter_mut().for_each(|x| *x = T::from_f64(f(rng)));
    match scheme {
        Init::Zeros => set(&mut |_| 0.0),
        Init::Constant(c) => set(&mut |_| c),
        Init::Uniform(lo, hi) => set(&mut |r| rng::uniform(r, lo, hi)),
        Init::Normal(mean, std) => set(&mut |r| mean + std * rng::standard_normal(r)),
        Init::XavierUniform { gain } => {
            let (fi, fo) = need_fans()?;
            let a = gain * (6.0 / (fi + fo) as f64).sqrt();
            set(&mut |r| rng::uniform(r, -a, a));
        }
        Init::XavierNormal { gain } => {
            let (fi, fo) = need_fans()?;
            let s = gain * (2.0 / (fi + fo) as f64).sqrt();
            set(&mut |r| s * rng::standard_normal(r));
        }
        Init::KaimingUniform { gain } => {
            let (fi, _) = need_fans()?;
            let b = gain * (3.0 / fi as f64).sqrt();
            set(&mut |r| rng::uniform(r, -b, b));
        }
        Init::KaimingNormal { gain } => {
            let (fi, _) = need_fans()?;
            let s = gain / (fi as f64).sqrt();
            set(&mut |r| s * rng::standard_normal(r));
        }
    }
    Ok(())
}

/// Initialises every tensor of `params` with the scheme `choose(name, shape)`
/// returns, drawing from one generator seeded with `seed`, in visit order.
pub fn init_with<P: Params + ?Sized>(
    params: &mut P,
    seed: u64,
    mut choose: impl FnMut(&str, &[usize]) -> Init,
) -> Result<()> {
    let mut rng = rng::seeded(seed);
    for_each_mut(params, |leaf| {
        let scheme = choose(leaf.name, leaf.shape);
        fill(leaf.data, leaf.shape, leaf.name, scheme, &mut rng)
    })
}

/// micrograd's initialisation: every value `U(-1, 1)`.
pub fn init_uniform<P: Params + ?Sized>(params: &mut P, seed: u64) -> Result<()> {
    init_with(params, seed, |_, _| Init::Uniform(-1.0, 1.0))
}

/// The usual layer initialisation: tensors of 2 or more dimensions
/// (weights) by `weights`, the rest (biases, scalars) zero.
pub fn init_layers<P: Params + ?Sized>(params: &mut P, weights: Init, seed: u64) -> Result<()> {
    init_with(params, seed, |_, shape| {
        if shape.len() >= 2 {
            weights
        } else {
            Init::Zeros
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    type Mlp = ([[f64; 200]; 300], [f64; 300]);

    fn stats(xs: &[f64]) -> (f64, f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        let max = xs.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        (mean, var, max)
    }

    #[test]
    fn seeded_and_distinct_per_seed() {
        let mut a = ([[0.0_f64; 3]; 2], [0.0_f64; 2]);
        let mut b = a;
        init_uniform(&mut a, 11).unwrap();
        init_uniform(&mut b, 11).unwrap();
        assert_eq!(a, b);
        init_uniform(&mut b, 12).unwrap();
        assert_ne!(a, b);
        assert!(a
            .0
            .iter()
            .flatten()
            .chain(&a.1)
            .all(|x| (-1.0..1.0).contains(x)));
    }

    #[test]
    fn xavier_and_kaiming_have_the_documented_spread() {
        // [300, 200]: fan_in 200, fan_out 300. Uniform(−a, a) has variance a²/3.
        let mut p: Box<Mlp> = Box::new(([[0.0; 200]; 300], [1.0; 300]));
        init_layers(p.as_mut(), Init::GLOROT, 3).unwrap();
        let w: Vec<f64> = p.0.iter().flatten().copied().collect();
        let (mean, var, max) = stats(&w);
        let a = (6.0_f64 / 500.0).sqrt();
        assert!(
            max <= a && mean.abs() < 0.002 && (var / (a * a / 3.0) - 1.0).abs() < 0.03,
            "{mean} {var}"
        );
        assert!(p.1.iter().all(|&b| b == 0.0));

        init_layers(p.as_mut(), Init::KaimingNormal { gain: 2f64.sqrt() }, 4).unwrap();
        let w: Vec<f64> = p.0.iter().flatten().copied().collect();
        let (_, var, _) = stats(&w);
        assert!((var / (2.0 / 200.0) - 1.0).abs() < 0.03, "{var}");
    }

    #[test]
    fn fan_schemes_refuse_vectors_naming_them() {
        let mut p = ([[0.0_f64; 2]; 2], [0.0_f64; 2]);
        let err = init_with(&mut p, 0, |_, _| Init::HE_RELU).unwrap_err();
        assert!(err.to_string().contains("`1` has shape [2]"), "{err}");
        assert_eq!(fans(&[8, 4, 3, 3]), Some((36, 72)));
    }
}
