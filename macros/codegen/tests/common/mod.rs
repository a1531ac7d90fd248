//! Shared by the property tests: a forward-mode dual number (the oracle)
//! a generator of random `#[differentiable]` functions, and the helpers
//! those functions call, interpreted.

// only `prop_pipeline` calls helpers
#[allow(dead_code)]
pub mod callees;
pub mod dual;
pub mod gen;
