//! Unit tests of `macrograd_codegen::diff`.
use macrograd_codegen::diff::{choose_mode, DEEP_CHAIN};
use macrograd_codegen::types::Mode;
use quote::quote;

fn mode(item: proc_macro2::TokenStream) -> Mode {
    let g = macrograd_codegen::pipeline(item).expect("lowers").lowered;
    choose_mode(&g, None)
}

#[test]
fn two_inputs_take_forward_mode_only_along_a_deep_chain() {
    // 30 steps of 4 dependent operations each: a chain of 120
    let compose = quote! {
        fn f(x: f64, a: f64) -> f64 {
            let mut x = x;
            for _ in 0..30 { x = (x.sin() * x + x.cos()) * a; }
            x
        }
    };
    assert_eq!(mode(compose), Mode::Forward);
    // 7 steps: a chain of 28, under DEEP_CHAIN
    const _: () = assert!(7 * 4 < DEEP_CHAIN);
    let short = quote! {
        fn f(x: f64, a: f64) -> f64 {
            let mut x = x;
            for _ in 0..7 { x = (x.sin() * x + x.cos()) * a; }
            x
        }
    };
    assert_eq!(mode(short), Mode::Reverse);
    let rosenbrock = quote! {
        fn f(x: f64, y: f64) -> f64 { (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2) }
    };
    assert_eq!(mode(rosenbrock), Mode::Reverse);
    // a run-time loop keeps reverse mode however deep its body
    let runtime = quote! {
        fn f(x: f64, a: f64, #[nograd] n: usize) -> f64 {
            let mut x = x;
            for _ in 0..n { x = (x.sin() * x + x.cos()) * a; }
            x
        }
    };
    assert_eq!(mode(runtime), Mode::Reverse);
    // three inputs: reverse
    let three = quote! {
        fn f(x: f64, a: f64, b: f64) -> f64 {
            let mut x = x;
            for _ in 0..30 { x = (x.sin() * x + x.cos()) * a + b; }
            x
        }
    };
    assert_eq!(mode(three), Mode::Reverse);
}
