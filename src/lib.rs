//! macrograd: compile-time reverse-mode differentiation for Rust.
#![forbid(unsafe_code)]

pub use macrograd_macros::{grad, gradient};
pub use macrograd_runtime::ops;
