//! Unit tests of `macrograd_codegen::generic`.
use quote::quote;

fn expand() -> String {
    let item = quote! {
        fn rosenbrock2<T: Float>(x: T, #[nograd] y: T) -> T {
            let a = T::ONE - x;
            let b = y - x * x;
            a * a + T::from_f64(100.0) * b * b
        }
    };
    macrograd_codegen::expand_differentiable(quote!(), item).to_string()
}

#[test]
fn generated_functions_are_generic_and_convert_each_constant_once() {
    let out = expand();
    assert!(!out.contains("compile_error"), "{out}");
    // the function as written, its `#[nograd]` removed
    assert!(
        out.starts_with("fn rosenbrock2 < T : Float > (x : T , y : T) -> T { let a = T :: ONE"),
        "{out}"
    );
    let grad = &out[out.find("fn rosenbrock2_grad").expect("a gradient")..];
    let grad = &grad[..grad.find("# [").unwrap_or(grad.len())];
    assert!(
        grad.starts_with("fn rosenbrock2_grad < T : Float > (x : T , y : T) -> (T , T)"),
        "{grad}"
    );
    // every constant is one hoisted `let`, read by name afterwards
    assert_eq!(grad.matches("100.0").count(), 1, "{grad}");
    assert_eq!(
        grad.matches("from_f64").count(),
        grad.matches("let __mg_c").count(),
        "{grad}"
    );
    assert!(!grad.split_whitespace().any(|w| w == "f64"), "{grad}");
    assert!(out.contains("let _ = rosenbrock2 :: < T >"), "{out}");
}

#[test]
fn other_generic_parameters_are_one_error_each() {
    for (generics, says) in [
        (
            quote!(<T: Clone>),
            "one type parameter bounded by the float trait",
        ),
        (
            quote!(<T: Float, U: Float>),
            "one type parameter bounded by the float trait",
        ),
        (quote!(<const N: usize>), "no const generic parameters"),
        (quote!(<'a>), "no lifetime parameters"),
    ] {
        let item = quote!(fn f #generics (x: f64) -> f64 { x * x });
        let out = macrograd_codegen::expand_differentiable(quote!(), item).to_string();
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(out.contains(says), "{out}");
    }
}
