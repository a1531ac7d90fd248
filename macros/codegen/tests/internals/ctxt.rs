//! Unit tests of `macrograd_codegen::ctxt`.
/// An error on an expression nested 20,000 deep, reported on a thread
/// with a 2 MiB stack: finding its ends walks down the operands
/// (`syn::Error::new_spanned` printed the whole expression, recursively,
/// and overflowed).
#[test]
fn errors_on_deep_expressions_do_not_recurse() {
    let run = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let n = 20_000;
            let cx = macrograd_codegen::ctxt::Ctxt::new();
            let mut parts = Vec::new();
            for body in [
                format!("{}y", "x * ".repeat(n)),
                format!("-{}y", "x - ".repeat(n)),
                format!("return {}y", "x + ".repeat(n)),
                format!("a[{}y]", "x * ".repeat(n)),
            ] {
                let e: syn::Expr = syn::parse_str(&body).expect("parses");
                cx.error_spanned_by(&e, "a deep mistake");
                parts.push(syn::Stmt::Expr(e, None));
            }
            macrograd_codegen::parse::flat::dismantle(parts);
            let err = cx.check().expect_err("errors were recorded");
            err.into_iter().count()
        })
        .expect("spawns");
    // one error per site (outside a compiler every span prints alike, so
    // the message keeps the four apart only through the key's message:
    // they merge into one)
    assert_eq!(run.join().expect("no overflow"), 1);
}
