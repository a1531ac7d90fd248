//! Runtime of macrograd: what generated gradients need to become training.
//!
//! - [`params`]: the [`Params`] trait through which everything below reaches
//!   the parameters, by stable dotted name, as flat slices;
//! - [`optim`]: SGD, Adam, AdamW, RMSprop, Adagrad with PyTorch's update
//!   equations, each rule a pure function over slices;
//! - [`schedule`], [`clip`]: learning-rate schedules and gradient clipping;
//! - [`gradcheck`]: central finite differences against a gradient function;
//! - [`data`], [`init`]: seeded data sets, CSV and MNIST loaders, seeded init;
//! - [`checkpoint`]: atomic safetensors save and validating load;
//! - [`train`]: a small training loop with progress, metrics and early stopping.
//!
//! Gradient ownership is one rule: a gradient is a fresh value returned by a
//! generated `*_grad` function, of type [`Params::Gradient`]; optimizers
//! borrow it (see [`params`]).
#![forbid(unsafe_code)]

pub mod checkpoint;
pub mod clip;
pub mod data;
pub mod error;
pub mod float;
pub mod grad_map;
pub mod gradcheck;
pub mod history;
pub mod init;
pub mod ops;
pub mod optim;
pub mod params;
pub mod rng;
pub mod schedule;
pub mod train;

pub use error::{Error, Result};
pub use float::Float;
pub use ops::Real;
pub use params::Params;
