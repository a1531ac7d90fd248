//! The snapshot comparison both snapshot suites share: what
//! `#[differentiable(attr)]` writes for an item, pretty-printed, against
//! `tests/snapshots/<name>.rs` (written instead under `MACROGRAD_BLESS=1`).

/// Compares (or, under `MACROGRAD_BLESS`, writes) one snapshot.
pub fn check(name: &str, attr: proc_macro2::TokenStream, item: proc_macro2::TokenStream) {
    compare(name, macrograd_codegen::expand_differentiable(attr, item));
}

/// Compares (or writes) the snapshot of any expansion that parses as items.
pub fn compare(name: &str, out: proc_macro2::TokenStream) {
    let file: syn::File = syn::parse2(out).expect("the expansion parses as items");
    let text = prettyplease::unparse(&file);
    let path = format!("{}/tests/snapshots/{name}.rs", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("MACROGRAD_BLESS").is_some() {
        std::fs::write(&path, &text).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing snapshot {path}: run with MACROGRAD_BLESS=1"));
    assert!(
        expected == text,
        "expansion of `{name}` changed; rerun with MACROGRAD_BLESS=1 and review the diff:\n{text}"
    );
}
