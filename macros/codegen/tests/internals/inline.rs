//! Unit tests of `macrograd_codegen::inline`.
use macrograd_codegen::inline::{form, take_args, Form};
use quote::quote;

#[test]
fn forms_are_told_apart_by_their_first_keyword() {
    assert_eq!(form(&quote!(|x: f64| x * x)), Form::Closure);
    assert_eq!(form(&quote!(move |x: f64| x)), Form::Closure);
    assert_eq!(form(&quote!()), Form::Closure);
    assert_eq!(
        form(&quote!(
            pub struct Mlp {}
            fn forward() {}
        )),
        Form::Network
    );
    assert_eq!(
        form(&quote!(
            #[derive(Clone)]
            pub(crate) struct M {}
        )),
        Form::Network
    );
    assert_eq!(
        form(&quote!(
            fn f(x: f64) -> f64 {
                x
            }
        )),
        Form::Functions
    );
    assert_eq!(
        form(&quote!(
            #[doc = "d"]
            pub fn f() {}
        )),
        Form::Functions
    );
    assert_eq!(
        form(&quote!(
            #[differentiable(custom = g)]
            fn f() {}
        )),
        Form::Functions
    );
    assert_eq!(
        form(&quote!(
            const fn f() {}
        )),
        Form::Functions
    );
    assert_eq!(
        form(&quote!(
            unsafe extern "C" fn f() {}
        )),
        Form::Functions
    );
    assert_eq!(form(&quote!(async |x: f64| x)), Form::Closure);
    assert_eq!(form(&quote!(async move |x: f64| x)), Form::Closure);
}

#[test]
fn functions_take_the_arguments_of_their_attribute() {
    let mut f: syn::ItemFn = syn::parse_quote! {
        #[doc = "kept"]
        #[differentiable(custom = g_grad)]
        fn f(x: f64) -> f64 { x }
    };
    let args = take_args(&mut f.attrs).unwrap();
    assert_eq!(args.to_string(), quote!(custom = g_grad).to_string());
    assert_eq!(f.attrs.len(), 1);
}

#[test]
fn a_second_attribute_is_an_error() {
    let mut f: syn::ItemFn = syn::parse_quote! {
        #[differentiable] #[differentiable] fn f(x: f64) -> f64 { x }
    };
    let e = take_args(&mut f.attrs).unwrap_err();
    assert!(e.to_string().contains("given twice"), "{e}");
}
