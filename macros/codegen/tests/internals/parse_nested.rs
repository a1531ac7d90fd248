//! Unit tests of `macrograd_codegen::parse::nested`.
use proc_macro2::TokenStream;

fn item(n: usize, inner: &str) -> TokenStream {
    format!(
        "fn f(x: f64) -> f64 {{ {}{inner}{} }}",
        "g(".repeat(n),
        ")".repeat(n)
    )
    .parse()
    .expect("lexes")
}

fn body(t: syn::Item) -> String {
    let mut t = t;
    let syn::Item::Fn(f) = &mut t else {
        panic!("a function")
    };
    let s = quote::ToTokens::to_token_stream(&f.block).to_string();
    macrograd_codegen::parse::flat::dismantle(std::mem::take(&mut f.block.stmts));
    s
}

/// In pieces, the same tree as syn parsing the whole (about 100 levels:
/// in pieces, and still shallow enough for syn here); a closure's commas
/// make its piece fail, and the whole is parsed instead.
#[test]
fn pieces_put_back_give_the_whole_tree() {
    let inners = ["x", "x, 1.0", "(x,)", "x * (x + 1.0), -x", "|a, b| a + b"];
    // innermost group at depth 96 (cut) and 101 (not)
    for (n, inner) in [95, 100].into_iter().flat_map(|n| inners.map(|i| (n, i))) {
        let tokens = item(n, inner);
        let pieces = macrograd_codegen::parse::nested::parse(
            tokens.clone(),
            macrograd_codegen::parse::fn_body_exprs,
        )
        .expect("parses");
        let whole: syn::Item = syn::parse2(tokens).expect("parses");
        assert_eq!(body(pieces), body(whole), "{n}: {inner}");
    }
}

/// Blocks, `if`s, loops and `else`s nested about 100 deep: in pieces, the
/// same tree as the whole; a struct literal or a `match` whose braces are
/// cut leaves its placeholder unused, and the whole is parsed instead.
#[test]
fn deep_blocks_put_back_give_the_whole_tree() {
    let levels: [(&str, &str); 7] = [
        ("{ let x = x * 1.0; ", " }"),
        ("if x > 0.0 { ", " } else { x }"),
        ("if x > 0.0 { x } else { ", " }"),
        ("loop { break ", "; }"),
        ("while x > 0.0 { let y = ", "; }"),
        ("S { a: ", " }.a"),
        ("match x { _ => ", " }"),
    ];
    for n in [95, 100] {
        for (open, close) in levels {
            let src = format!(
                "fn f(x: f64) -> f64 {{ {}x{} }}",
                open.repeat(n),
                close.repeat(n)
            );
            let tokens: TokenStream = src.parse().expect("lexes");
            // the pieces themselves stand for the whole, except under a
            // struct literal or a `match`
            let mut cut = Vec::new();
            let top = macrograd_codegen::parse::nested::split(tokens.clone(), &mut cut);
            let in_pieces = macrograd_codegen::parse::nested::assemble(
                top,
                cut,
                macrograd_codegen::parse::fn_body_exprs,
            );
            let blocks = !open.starts_with('S') && !open.starts_with("match");
            assert_eq!(in_pieces.is_some(), blocks, "{n}: {open}");
            let pieces = macrograd_codegen::parse::nested::parse(
                tokens.clone(),
                macrograd_codegen::parse::fn_body_exprs,
            )
            .expect("parses");
            let whole: syn::Item = syn::parse2(tokens).expect("parses");
            assert_eq!(body(pieces), body(whole), "{n}: {open}");
        }
    }
}

#[test]
fn deep_parentheses_in_a_pattern_fall_back_to_the_whole() {
    let n = 100;
    let src = format!(
        "fn f(x: f64) -> f64 {{ let {}y{} = x; y }}",
        "(".repeat(n),
        ")".repeat(n)
    );
    let tokens: TokenStream = src.parse().expect("lexes");
    let t = macrograd_codegen::parse::nested::parse(
        tokens.clone(),
        macrograd_codegen::parse::fn_body_exprs,
    )
    .expect("parses");
    let whole: syn::Item = syn::parse2(tokens).expect("parses");
    assert_eq!(body(t), body(whole));
}
