//! Macro-scaling measurements for macrograd; see `src/bin/scaling.rs`.

pub mod gen;
pub mod shapes;
