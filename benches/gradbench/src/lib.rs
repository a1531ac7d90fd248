//! macrograd as a GradBench tool: the protocol and the evals, as a library
//! so the criterion benches (`benches/gmm.rs`) time the very functions the
//! tool answers with. The binary, `src/main.rs`, reads stdin and answers.
#![forbid(unsafe_code)]

pub mod evals;
pub mod protocol;
