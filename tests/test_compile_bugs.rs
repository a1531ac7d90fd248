//! Valid bodies that `#[grad]` fails to compile today, one per file in
//! `tests/common/compile_bugs/` (each file's doc says what it should do and
//! what happens). Ignored until fixed; run with
//! `cargo test --test test_compile_bugs -- --ignored`: each case must then
//! build and its `main` (which checks the gradient) must succeed.

#[test]
#[ignore = "codegen bug: a `#[grad]` fn imported with `use` cannot be called (its pullback is not imported)"]
fn use_imported_fn() {
    trybuild::TestCases::new().pass("tests/common/compile_bugs/use_imported_fn.rs");
}

// Not kept as a case (the expected behaviour is a design decision): calling a
// `#[grad]` function with a differentiable argument in a `#[nograd]`
// parameter, e.g. `spring(x, y)` for `#[grad] fn spring(x: f64, #[nograd] k:
// f64)` inside another `#[grad]` body, fails with "mismatched types:
// expected `f64`, found `()`" spanned at the caller's `#[grad]` attribute,
// instead of a correct gradient or an error at the argument.
