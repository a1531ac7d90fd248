//! Shared by the property tests: a forward-mode dual number (the oracle)
//! and a generator of random `#[differentiable]` functions.

pub mod dual;
pub mod gen;
