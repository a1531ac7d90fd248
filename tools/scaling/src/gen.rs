//! Generator of test functions with an exact number of operations, for the
//! macro-scaling figures (`benches/RESULTS.md`).
//!
//! Plain `std`, so that `benches/expand.rs` can include this file with
//! `#[path]` as well as the `scaling` binary using it.
//!
//! `source(n)` is a `#[differentiable]`-able function of four `f64` parameters whose
//! body is `n` `let` statements of exactly one operation each (`+ - *` or
//! `sin cos tanh`). Each statement uses the previous value, so nothing is
//! dead, and a second operand drawn (deterministically) from the parameters
//! and the last 16 values, so the graph has fan-out like real code rather
//! than being a single chain.

/// The operations the generator draws from, as (binary?, Rust text).
const OPS: [(bool, &str); 6] = [
    (true, "+"),
    (true, "-"),
    (true, "*"),
    (false, "sin"),
    (false, "cos"),
    (false, "tanh"),
];

/// Name of the generated function of `n` operations.
pub fn name(n: usize) -> String {
    format!("ops_{n}")
}

/// Source of a function `ops_<n>(a, b, c, d: f64) -> f64` of exactly `n`
/// operations; the same `n` always gives the same text.
pub fn source(n: usize) -> String {
    assert!(n >= 1, "at least one operation");
    // A 64-bit LCG (Knuth's MMIX constants): reproducible without a crate.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |bound: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as usize) % bound
    };
    let params = ["a", "b", "c", "d"];
    let value = |i: usize| format!("v{i}");
    let mut body = String::with_capacity(n * 32);
    for i in 0..n {
        let prev = if i == 0 {
            "a".to_string()
        } else {
            value(i - 1)
        };
        let (binary, op) = OPS[next(OPS.len())];
        let rhs = if binary {
            // An operand among the parameters and the last 16 values.
            let window = i.min(16);
            let k = next(params.len() + window);
            let other = match k.checked_sub(params.len()) {
                None => params[k].to_string(),
                // Not the previous value itself (`v - v` is a silly test).
                Some(0) => params[i % params.len()].to_string(),
                Some(j) => value(i - 1 - j),
            };
            format!("{prev} {op} {other}")
        } else {
            format!("{prev}.{op}()")
        };
        body.push_str(&format!("    let v{i} = {rhs};\n"));
    }
    format!(
        "fn {}(a: f64, b: f64, c: f64, d: f64) -> f64 {{\n{body}    v{}\n}}\n",
        name(n),
        n - 1
    )
}
