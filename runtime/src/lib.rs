//! Runtime of macrograd: what generated gradients need to become training.
//!
//! - [`params`]: the [`Params`] trait through which everything below reaches
//!   the parameters, by stable dotted name (`l1.weight`), as flat slices;
//!   [`grad_map`] for gradients keyed by name;
//! - [`optim`]: SGD, Adam, AdamW, RMSprop, Adagrad with PyTorch's update
//!   equations, each rule a pure function over slices;
//! - [`schedule`], [`clip`]: learning-rate schedules and gradient clipping;
//! - [`gradcheck`]: central finite differences against a gradient function;
//! - [`data`], [`init`], [`rng`]: seeded data sets, CSV and MNIST loaders,
//!   seeded initialisation, all on one platform-independent generator;
//! - [`checkpoint`]: atomic safetensors save and validating load;
//! - [`train`], [`history`]: an optional training loop with progress,
//!   metrics and early stopping, and its history as CSV, JSON and SVG.
//!
//! Gradients follow one convention (see [`params`]): a gradient is the
//! gradient of the call that produced it, returned fresh by a generated
//! `*_grad` function or written over a reused buffer by a network's
//! `batch_*` method; only functions whose name says *add* (`backward_add`,
//! [`nn::add_l2_penalty`], [`params::accumulate`]) add into a buffer; there
//! is no `zero_grad`. Every fallible call returns [`Result`] with the one
//! [`Error`] enum.
//!
//! The loop by hand, with a hand-written gradient standing in for a
//! generated one: fit `y = w·x + b` to three points of `y = 2·x + 1`,
//! starting from `w = b = 0`.
//!
//! ```
//! use macrograd_runtime::optim::{Optimizer, Sgd};
//!
//! // what `#[differentiable] fn loss(w, b, #[nograd] x, #[nograd] y)` generates
//! fn loss_grad(w: f64, b: f64, x: f64, y: f64) -> (f64, (f64, f64)) {
//!     let r = w * x + b - y;
//!     (r * r, (2.0 * r * x, 2.0 * r))
//! }
//!
//! let points = [(-1.0, -1.0), (0.0, 1.0), (2.0, 5.0)];
//! let mut params = (0.0_f64, 0.0_f64); // (w, b): a tuple is `Params`
//! let mut opt = Sgd::with_lr(0.1);
//! let mut losses = Vec::new();
//! for _epoch in 0..200 {
//!     // mean loss and mean gradient over the points, each gradient fresh
//!     let (mut loss, mut grad) = (0.0, (0.0, 0.0));
//!     for &(x, y) in &points {
//!         let (l, (dw, db)) = loss_grad(params.0, params.1, x, y);
//!         loss += l / 3.0;
//!         grad = (grad.0 + dw / 3.0, grad.1 + db / 3.0);
//!     }
//!     losses.push(loss);
//!     opt.step(&mut params, &grad)?;
//! }
//! assert_eq!(losses[0], 9.0); // (1 + 1 + 25) / 3 at w = b = 0
//! assert!(losses[199] < 1e-12); // the points lie on the line: an exact fit
//! assert!((params.0 - 2.0).abs() < 1e-4 && (params.1 - 1.0).abs() < 1e-4);
//! # Ok::<(), macrograd_runtime::Error>(())
//! ```
#![deny(unsafe_code)]

pub mod checkpoint;
pub mod clip;
pub mod data;
pub mod differentiable;
pub mod error;
pub mod float;
pub mod grad_map;
pub mod gradcheck;
pub mod history;
pub mod init;
pub mod losses;
pub mod nn;
pub mod ops;
pub mod optim;
pub mod params;
#[doc(hidden)]
pub mod private;
pub mod rng;
pub mod schedule;
pub mod train;

pub use differentiable::Differentiable;
pub use error::{Error, Result};
pub use float::Float;
pub use ops::Real;
pub use params::Params;
