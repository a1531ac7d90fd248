//! The code generator's unit tests, one module per source module, run from
//! outside the crate.
//!
//! They lived in `#[cfg(test)]` modules of the lib, which made `cargo test`
//! compile the whole lib a second time (at opt-level 2) for them alone; here
//! they link against the lib that the other test binaries use. What they
//! reach that is no API is `#[doc(hidden)] pub` (see `src/lib.rs`).

#[path = "internals/ctxt.rs"]
mod ctxt;
#[path = "internals/derive_differentiable.rs"]
mod derive_differentiable;
#[path = "internals/diff.rs"]
mod diff;
#[path = "internals/diff_forward.rs"]
mod diff_forward;
#[path = "internals/diff_reverse.rs"]
mod diff_reverse;
#[path = "internals/emit_uses.rs"]
mod emit_uses;
#[path = "internals/eval_calls.rs"]
mod eval_calls;
#[path = "internals/formula.rs"]
mod formula;
#[path = "internals/generic.rs"]
mod generic;
#[path = "internals/inline.rs"]
mod inline;
#[path = "internals/lower.rs"]
mod lower;
#[path = "internals/lower_chain.rs"]
mod lower_chain;
#[path = "internals/parse_nested.rs"]
mod parse_nested;
#[path = "internals/rules.rs"]
mod rules;
#[path = "internals/simplify.rs"]
mod simplify;
