//! Value logs kept from one call to the next.
//!
//! A value log (`v_saved`, see [`super::value_log`]) holds one float per
//! element a loop overwrites, for every run of the loop: an ODE over `n`
//! values and `s` steps saves `n·s` floats per call (80 MB for GradBench's
//! largest ode input). Allocated afresh, that memory is page-faulted in,
//! zeroed by the kernel and grown by copying on every call. A log declared
//! at the top of the function body therefore takes its vector from a
//! thread-local slot of the generated function and puts it back before the
//! function returns, so a call reuses the capacity the previous call on
//! that thread left:
//!
//! ```text
//! ::std::thread_local! {
//!     static __MACROGRAD_LOG0_V_SAVED: Cell<Vec<f64>> = const { Cell::new(Vec::new()) };
//! }
//! let mut v_saved: Vec<f64> = __MACROGRAD_LOG0_V_SAVED.take();
//! v_saved.clear();
//! …
//! __MACROGRAD_LOG0_V_SAVED.set(v_saved);      // just before the result
//! ```
//!
//! The slot keeps the capacity of the largest log seen on its thread
//! (stated in the rustdoc). A call that panics leaves the slot empty; a
//! recursive call finds it empty and allocates, as without the slot. A
//! generic function's statics cannot name its float type `T`, so a generic
//! function's logs are allocated per call (see [`without_pools`]).

use std::cell::Cell;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

thread_local! {
    /// Whether the expansion under way may keep logs in thread-local slots.
    static POOLS: Cell<bool> = const { Cell::new(true) };
}

/// Runs `f` (the expansion of a generic function's `f64` instance) with
/// logs allocated per call instead of kept in slots.
pub fn without_pools<T>(f: impl FnOnce() -> T) -> T {
    let before = POOLS.replace(false);
    let out = f();
    POOLS.set(before);
    out
}

/// Whether logs may be kept in slots (see [`without_pools`]).
pub(super) fn enabled() -> bool {
    POOLS.get()
}

/// The declaration of value log `saved` (of float type `ty`) taken from
/// its slot, the function's `k`-th, and the statement putting it back.
pub(super) fn pooled_log(saved: &Ident, ty: &Ident, k: usize) -> (TokenStream, TokenStream) {
    // the function's first slot for `r#type_saved` is `__MACROGRAD_LOG0_TYPE_SAVED`:
    // numbered (names may map alike), then ASCII letters, digits and `_`
    let upper: String = saved
        .to_string()
        .trim_start_matches("r#")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    let slot = Ident::new(&format!("__MACROGRAD_LOG{k}_{upper}"), Span::call_site());
    let declare = quote! {
        ::std::thread_local! {
            static #slot: ::core::cell::Cell<::std::vec::Vec<#ty>> =
                const { ::core::cell::Cell::new(::std::vec::Vec::new()) };
        }
        let mut #saved: ::std::vec::Vec<#ty> = #slot.take();
        #saved.clear();
    };
    (declare, quote! { #slot.set(#saved); })
}

/// The rustdoc's sentence on the slots, when a value log of `g` sits at
/// the top of its body (see the module docs).
pub(super) fn memory_note(g: &crate::ir::Graph) -> &'static str {
    let logs = super::value_log::value_logs(g);
    if enabled() && g.body.nodes.iter().any(|n| logs.bufs.contains(n)) {
        " The saved values of a buffer declared at the top of the body are kept from one call \
         to the next on each thread (a thread-local vector per function), so repeated calls \
         reuse their memory; it stays allocated at the largest call's size."
    } else {
        ""
    }
}
