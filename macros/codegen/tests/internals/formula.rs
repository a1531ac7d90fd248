//! Unit tests of `macrograd_codegen::formula`.
use quote::{format_ident, quote};

#[test]
fn small_gradients_print_their_formulas() {
    let st = macrograd_codegen::pipeline(
        quote! { fn f(x: f64, y: f64) -> f64 { let p = x * y; p.sin() } },
    )
    .unwrap();
    let lines = macrograd_codegen::formula::formulas(&st.gradient, "f");
    assert!(lines.iter().any(|l| l.starts_with("∂f/∂x = ")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("cos(p)")), "{lines:?}");
}

#[test]
fn long_chains_are_summarised_without_deep_recursion() {
    // 10,000 dependent operations, expanded on a thread with rustc's
    // 8 MiB stack: the whole expansion must fit
    let out = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(|| {
            let mut body = quote! { let v0 = x; };
            for k in 1..10_000_usize {
                let (prev, next) = (format_ident!("v{}", k - 1), format_ident!("v{}", k));
                body.extend(quote! { let #next = #prev.sin() * 0.5 + #prev; });
            }
            let last = format_ident!("v{}", 9_999_usize);
            let item = quote! { fn chain(x: f64) -> f64 { #body #last } };
            macrograd_codegen::expand_differentiable(quote!(), item).to_string()
        })
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert!(out.contains("too many to print as formulas"));
}
