//! Compile-fail UI suite: each `tests/ui/<category>/<mistake>.rs` is one kind
//! of mistake, and its `.stderr` (generated with `TRYBUILD=overwrite`, then
//! reviewed) is what the user sees. Cases whose diagnostics are still wrong
//! live in `tests/ui-pending/`, outside this glob.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/*.rs");
}
