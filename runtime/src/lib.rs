//! Runtime of macrograd: what generated gradients need to become training.
#![forbid(unsafe_code)]

pub mod ops;
